"""The console in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``)
driven by selenium through the common flow — the models list, a model, its deployment's state, a
test predict, the live log — and a FAILED deployment. One emulator and one browser for the module.

The screenshots it takes are the README's: ``make screenshots`` runs this module with
``DOCKYARD_SCREENSHOTS=docs/console``; otherwise they go to a temp directory.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from tests.console.conftest import Catalog
from tests.deployment.artifacts import BROKEN_LOAD_SCORE
from toolkit.testing.plugin import EmulatorHandle

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--disable-lcd-text", "--force-device-scale-factor=1",
                  "--window-size=1280,860")
WAIT = 30


def _browser_problem() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    if not _chromium() or not shutil.which("chromedriver"):
        return "no chromium/chromedriver (apt-get install chromium chromium-driver)"
    return None


def _chromium() -> str | None:
    return os.environ.get("DOCKYARD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    problem = _browser_problem()
    if problem:
        if os.environ.get("DOCKYARD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"DOCKYARD_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _chromium()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = Path(os.environ.get("DOCKYARD_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture(scope="module")
def iris(console_emulator: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The README's model: a logistic regression on iris, prepared, introspected, saved in a version
    set with a label and deployed on the process runtime; and a model whose deployment fails."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from toolkit import ModelVersionSet, SklearnModel
    from toolkit.catalog.errors import WorkRequestFailedError
    from toolkit.deployment import deploy_model

    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    with console_emulator.activate():
        model = SklearnModel(estimator=LogisticRegression(max_iter=1000).fit(X, y),
                             artifact_dir=str(tmp_path_factory.mktemp("iris") / "artifact"))
        model.prepare(inference_python_version="3.11", X_sample=X.head(20), y_sample=y.head(20),
                      use_case_type="multinomial_classification", ignore_conda_error=True, force_overwrite=True)
        ModelVersionSet(name="iris").create()
        model_id = model.save(display_name="iris-logreg", model_version_set="iris", version_label="v1")
        deployment = deploy_model(model_id, display_name="iris", runtime="process")
        catalog = Catalog(console_emulator)
        broken_dir = tmp_path_factory.mktemp("broken")
        (broken_dir / "score.py").write_text(BROKEN_LOAD_SCORE)
        from tests.console.conftest import zip_of

        broken = catalog.model(catalog.session.project(None, catalog.compartment), "churn-xgb",
                               zip_of({"score.py": BROKEN_LOAD_SCORE}))
        with pytest.raises(WorkRequestFailedError, match="weights missing"):
            deploy_model(broken, display_name="churn", runtime="process")
    failed = [d.id for d in catalog.ds.list_model_deployments(catalog.compartment).data if d.display_name == "churn"][0]
    return {"model": model_id, "deployment": deployment.id, "failed": failed}


def _wait_for(driver, condition, message: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, poll_frequency=0.2).until(condition, message)


def test_the_common_flow_in_a_real_browser(browser, console_emulator, iris, shots):
    from selenium.webdriver.common.by import By

    browser.get(console_emulator.url + "/console")
    assert "Projects" in browser.title
    browser.find_element(By.LINK_TEXT, "dockyard-default").click()

    rows = browser.find_elements(By.CSS_SELECTOR, "#models tbody tr")
    iris_row = next(r for r in rows if "iris-logreg" in r.text)
    for shown in ("ACTIVE", "iris", "v1", "scikit-learn", "multinomial_classification"):
        assert shown in iris_row.text
    browser.save_screenshot(str(shots / "models.png"))

    iris_row.find_element(By.LINK_TEXT, "iris-logreg").click()
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("iris-logreg")
    tests = browser.find_element(By.CSS_SELECTOR, "table.tests").text
    assert "score_syntax" in tests and "Passed" in tests
    schema = browser.find_element(By.CSS_SELECTOR, "table.schema").text
    assert "petal_length" in schema and "float64" in schema
    assert "def predict(" in browser.find_element(By.ID, "score").text
    browser.save_screenshot(str(shots / "model.png"))

    browser.find_element(By.CSS_SELECTOR, "#deployments a").click()
    calls_before = _calls_charted(browser)
    status = browser.find_element(By.CSS_SELECTOR, "#live .status").text
    assert "ACTIVE" in status and "process runtime" in status
    prefilled = json.loads(browser.find_element(By.ID, "body").get_attribute("value"))
    assert list(prefilled[0]) == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    browser.find_element(By.ID, "send").click()
    answer = _wait_for(browser, lambda d: d.find_element(By.ID, "answer"), "no predict answer")
    assert json.loads(answer.text)["prediction"][0] in (0, 1, 2)

    # The log tail refreshes by itself (the page's script): the predict just sent shows up in it.
    _wait_for(browser, lambda d: "POST /predict 200" in d.find_element(By.ID, "log").text,
              "the live log never showed the predict")
    browser.save_screenshot(str(shots / "deployment.png"))

    # The charts refresh with it: the requests chart counts the predict just sent and draws its line.
    _wait_for(browser, lambda d: _calls_charted(d) >= calls_before + 1, "the requests chart never counted the predict")
    chart = browser.find_element(By.ID, "chart-requests")
    assert chart.find_elements(By.CSS_SELECTOR, "polyline") and chart.find_element(By.TAG_NAME, "svg").size["height"] > 50
    browser.execute_script("document.getElementById('metrics').scrollIntoView()")
    browser.save_screenshot(str(shots / "deployment-metrics.png"))


def _calls_charted(driver) -> int:
    """The calls the deployment page's requests chart counts (its ``data-calls``)."""
    from selenium.webdriver.common.by import By

    return int(driver.find_element(By.ID, "chart-requests").get_attribute("data-calls") or 0)


def test_a_failed_deployment_says_why_in_the_browser(browser, console_emulator, iris, shots):
    from selenium.webdriver.common.by import By

    browser.get(f"{console_emulator.url}/console/deployments")
    browser.find_element(By.LINK_TEXT, "churn").click()
    failure = browser.find_element(By.ID, "failure").text
    assert "Failed:" in failure and "weights missing" in failure and "Last log lines" in failure
    browser.save_screenshot(str(shots / "failed.png"))


def test_pages_work_without_javascript_to_predict(browser, console_emulator, iris):
    """The form is a plain POST: the answer is on the page the server renders (no script involved)."""
    import requests

    session = requests.Session()
    page = session.get(f"{console_emulator.url}/console/deployments/{iris['deployment']}")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    rows = [{"sepal_length": 6.3, "sepal_width": 3.3, "petal_length": 6.0, "petal_width": 2.5}]
    answer = session.post(f"{console_emulator.url}/console/deployments/{iris['deployment']}/predict",
                          data={"csrf_token": token, "body": json.dumps(rows)})
    assert answer.ok and "&#34;prediction&#34;: [\n    2\n  ]" in answer.text
