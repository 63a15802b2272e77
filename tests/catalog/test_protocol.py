"""The model <-> catalog contract is a Protocol that the real models and the test stubs both meet."""
from __future__ import annotations

from toolkit import GenericModel, SklearnModel
from toolkit.catalog.protocol import CatalogModel

from .stub_model import StubModel


def test_every_model_class_meets_the_catalog_contract(tmp_path):
    for model in (GenericModel(estimator=len, artifact_dir=str(tmp_path / "g")),
                  SklearnModel(estimator=None, artifact_dir=str(tmp_path / "s"))):
        assert isinstance(model, CatalogModel), type(model).__name__


def test_the_catalog_tests_stub_meets_it_too(tmp_path):
    assert isinstance(StubModel.prepared(tmp_path / "a"), CatalogModel)


def test_an_object_missing_part_of_it_does_not(tmp_path):
    stub = StubModel.prepared(tmp_path / "a")
    del stub.model_deployment
    assert not isinstance(stub, CatalogModel)
