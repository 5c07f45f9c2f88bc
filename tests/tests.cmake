# test registry: model_test(<file stem> LABELS ...)
model_test(mem LABELS unit)
model_test(dispatch LABELS unit)
model_test(ioas LABELS unit)
