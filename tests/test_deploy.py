"""The deployment files agree with each other: every setting the production endpoints file reads
is given by scripts/run-prod and by the Kubernetes manifests, which render (kustomize, offline)
into what docs/deploy.md describes."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from tests.catalogues import ROOT

DEPLOY = ROOT / "deploy"
ENDPOINTS = DEPLOY / "endpoints.prod.yml"


def endpoint_variables() -> set[str]:
    return set(re.findall(r"\$\{(\w+)\}", ENDPOINTS.read_text("utf-8"))) | set(
        re.findall(r"\$\{(\w+)\}", (ROOT / "credentials.yml").read_text("utf-8")))


def env_file_names(path) -> set[str]:  # noqa: ANN001
    return {line.split("=", 1)[0] for line in path.read_text("utf-8").splitlines() if "=" in line and not line.startswith("#")}


def test_run_prod_sets_every_variable_the_endpoints_read():
    script = (ROOT / "scripts" / "run-prod").read_text("utf-8")
    exported = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=\$\{", script))
    assert endpoint_variables() - exported == set()


def test_kubernetes_gives_every_variable_the_endpoints_read():
    given = env_file_names(DEPLOY / "kubernetes" / "config.env") | env_file_names(DEPLOY / "kubernetes" / "secret.env.example")
    assert endpoint_variables() - given == set()


@pytest.fixture(scope="module")
def manifests(tmp_path_factory) -> list[dict]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl missing: the manifests' rendering is not checked")
    copy = tmp_path_factory.mktemp("deploy")
    shutil.copytree(DEPLOY, copy / "deploy", symlinks=True)
    shutil.copy(ROOT / "credentials.yml", copy / "credentials.yml")
    shutil.copy(copy / "deploy/kubernetes/secret.env.example", copy / "deploy/kubernetes/secret.env")
    rendered = subprocess.run(["kubectl", "kustomize", "--load-restrictor=LoadRestrictionsNone", str(copy / "deploy/kubernetes")],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    return list(yaml.safe_load_all(rendered.stdout))


def by_name(manifests: list[dict], kind: str, name: str) -> dict:
    return next(m for m in manifests if m["kind"] == kind and m["metadata"]["name"].startswith(name))


def test_the_manifests_render_with_every_part(manifests):
    kinds = {(m["kind"], m["metadata"]["name"].rsplit("-", 1)[0] if m["kind"] in ("ConfigMap", "Secret") else m["metadata"]["name"])
             for m in manifests}  # fmt: skip
    for part in [("Deployment", "daoban-rasa"), ("Deployment", "daoban-actions"), ("Service", "daoban-rasa"),
                 ("Service", "daoban-actions"), ("StatefulSet", "daoban-postgres"), ("Deployment", "daoban-redis"),
                 ("Ingress", "daoban"), ("Job", "daoban-import"), ("HorizontalPodAutoscaler", "daoban-rasa"),
                 ("Secret", "daoban-secrets"), ("ConfigMap", "daoban-endpoints")]:  # fmt: skip
        assert part in kinds
    assert all(m["metadata"].get("namespace") == "daoban" for m in manifests if m["kind"] != "Namespace")


def test_the_rasa_pods_read_the_same_endpoints_file_as_run_prod(manifests):
    files = by_name(manifests, "ConfigMap", "daoban-endpoints")["data"]
    assert files["endpoints.prod.yml"] == ENDPOINTS.read_text("utf-8")
    rasa = by_name(manifests, "Deployment", "daoban-rasa")["spec"]["template"]["spec"]["containers"][0]
    assert "/config/endpoints.prod.yml" in rasa["args"] and rasa["readinessProbe"]["httpGet"]["path"] == "/status"
    assert rasa["image"].startswith("registry.example.gov.cn/")


def test_only_the_rasa_pods_reach_the_action_servers_and_secrets_stay_in_the_secret(manifests):
    policy = by_name(manifests, "NetworkPolicy", "daoban-actions")
    assert policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["component"] == "rasa"
    config = by_name(manifests, "ConfigMap", "daoban-config")["data"]
    assert not [key for key in config if re.search("PASSWORD|TOKEN|SECRET", key)]
    assert by_name(manifests, "Ingress", "daoban")["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
