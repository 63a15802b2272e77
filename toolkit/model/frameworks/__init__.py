"""One module per framework (MLflow-flavor style): each gives a ``Flavor`` and a model class.

Modules import their framework lazily, inside functions, so listing or importing a flavor never
pulls in torch, xgboost or lightgbm before a model of that kind is actually used.
"""
