"""ADS's own ``prepare(inference_conda_env=slug)`` resolves the packs older notebooks name, through the
emulator's service-pack index, as it does against OCI's (``ads`` fixture: tests/ads/conftest.py)."""
from __future__ import annotations

import pytest

from emulator.contracts.conda_packs import SERVICE_PACKS


@pytest.mark.parametrize("slug", ["dataexpl_p37_cpu_v3", "pytorch24_p310_gpu_x86_64_v1"])
def test_ads_prepare_resolves_a_service_pack_slug_to_its_path_and_python_and_saves(ads, slug):
    pack = next(pack for pack in SERVICE_PACKS if pack.slug == slug)
    result = ads.run("published_pack.py", str(ads.workdir / slug), slug)  # prepare, introspect, save: by slug
    # ADS puts the pack in the service bucket of the region's namespace; the emulator's is id19sfcrra6z.
    assert result["runtime_info"] == {"inference_env_slug": slug, "inference_env_type": "data_science",
                                      "inference_env_path": pack.path, "inference_python_version": pack.python}
    assert result["introspection"]["runtime_path_exist"] == "Passed"
    assert result["model_id"].startswith("ocid1.datasciencemodel.")
