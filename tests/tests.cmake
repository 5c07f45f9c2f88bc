# test registry: model_test(<file stem> LABELS ...)
