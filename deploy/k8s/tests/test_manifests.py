"""Policy checks on the rendered Kubernetes manifests of every overlay.

The schema check (field names and types) is `kubernetes-validate` in scripts/k8s_validate.sh; these
tests check what a schema cannot: that each Deployment is probed, bounded, locked down, covered by a
PodDisruptionBudget, an HPA and a migration Job, that nothing secret is committed and that the
references between objects resolve. `ZDRAV_K8S_RENDERED_DIR` points at `<overlay>.yaml` files
rendered by the script; without it the overlays are rendered here with `kubectl kustomize`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

K8S_DIR = Path(__file__).resolve().parents[1]
OVERLAYS = sorted(p.name for p in (K8S_DIR / "overlays").iterdir() if (p / "kustomization.yaml").is_file())
EXPECTED_REPLICAS = {"dev": 1, "prod": 3}
SERVICES = ("kpi-api", "survey-api", "roadmap-api")
UID = 10001

Obj = dict[str, Any]


@cache
def rendered(overlay: str) -> tuple[Obj, ...]:
    """The objects of one overlay, from the script's rendering or from kubectl."""
    rendered_dir = os.environ.get("ZDRAV_K8S_RENDERED_DIR")
    if rendered_dir:
        text = (Path(rendered_dir) / f"{overlay}.yaml").read_text(encoding="utf-8")
    else:
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            pytest.fail("kubectl is not installed: run `make k8s-validate`, which installs it")
        text = subprocess.run(
            [kubectl, "kustomize", str(K8S_DIR / "overlays" / overlay)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return tuple(doc for doc in yaml.safe_load_all(text) if doc)


def of_kind(objects: tuple[Obj, ...], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def name(obj: Obj) -> str:
    return str(obj["metadata"]["name"])


def selects(selector: Obj, labels: dict[str, str]) -> bool:
    """matchLabels semantics (the manifests use no matchExpressions)."""
    assert "matchExpressions" not in selector, "extend selects() before using matchExpressions"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def pod_spec(workload: Obj) -> Obj:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: Obj) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def objects(overlay: str) -> tuple[Obj, ...]:
    return rendered(overlay)


@pytest.fixture
def deployments(objects: tuple[Obj, ...]) -> list[Obj]:
    found = of_kind(objects, "Deployment")
    assert sorted(name(d) for d in found) == sorted(SERVICES)
    return found


def test_both_overlays_exist() -> None:
    assert OVERLAYS == ["dev", "prod"]


class TestDeployments:
    def test_probes(self, deployments: list[Obj]) -> None:
        for deployment in deployments:
            for container in pod_spec(deployment)["containers"]:
                where = f"{name(deployment)}/{container['name']}"
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", where
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", where
                assert container["startupProbe"]["httpGet"]["path"] == "/healthz", where

    def test_resources_requests_and_limits(self, objects: tuple[Obj, ...]) -> None:
        for workload in of_kind(objects, "Deployment") + of_kind(objects, "Job"):
            for container in pod_spec(workload)["containers"]:
                resources = container.get("resources", {})
                for bound in ("requests", "limits"):
                    assert {"cpu", "memory"} <= set(resources.get(bound, {})), f"{name(workload)}: {bound}"

    def test_restrictive_security_context(self, objects: tuple[Obj, ...]) -> None:
        for workload in of_kind(objects, "Deployment") + of_kind(objects, "Job"):
            spec = pod_spec(workload)
            pod = spec.get("securityContext", {})
            assert spec.get("automountServiceAccountToken") is False, name(workload)
            tmp_volumes = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
            for container in spec["containers"]:
                where = f"{name(workload)}/{container['name']}"
                sc = {**pod, **container.get("securityContext", {})}  # the container's own settings win
                assert sc.get("runAsNonRoot") is True, where
                assert sc.get("runAsUser") == UID, where
                assert sc.get("readOnlyRootFilesystem") is True, where
                assert sc.get("allowPrivilegeEscalation") is False, where
                assert sc.get("privileged", False) is False, where
                assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
                assert not sc.get("capabilities", {}).get("add"), where
                assert sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
                mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
                assert mounts.get("/tmp") in tmp_volumes, f"{where}: /tmp must be a writable emptyDir"

    def test_prometheus_scrape_annotations(self, deployments: list[Obj]) -> None:
        for deployment in deployments:
            annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
            assert annotations.get("prometheus.io/scrape") == "true", name(deployment)
            assert annotations.get("prometheus.io/path") == "/metrics", name(deployment)
            ports = {p["containerPort"] for c in pod_spec(deployment)["containers"] for p in c.get("ports", [])}
            assert int(annotations["prometheus.io/port"]) in ports, name(deployment)

    def test_replicas_per_overlay(self, overlay: str, deployments: list[Obj]) -> None:
        for deployment in deployments:
            assert deployment["spec"]["replicas"] == EXPECTED_REPLICAS[overlay], name(deployment)

    def test_image_tags_are_pinned(self, overlay: str, objects: tuple[Obj, ...]) -> None:
        for workload in of_kind(objects, "Deployment") + of_kind(objects, "Job"):
            for container in pod_spec(workload)["containers"]:
                image = container["image"]
                tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else None
                assert tag and tag != "latest", f"{name(workload)}: {image}"
                if overlay == "dev":
                    assert tag == "dev", image


class TestCompanions:
    def test_every_deployment_has_a_pdb(self, objects: tuple[Obj, ...], deployments: list[Obj]) -> None:
        pdbs = of_kind(objects, "PodDisruptionBudget")
        for deployment in deployments:
            covering = [p for p in pdbs if selects(p["spec"]["selector"], pod_labels(deployment))]
            assert len(covering) == 1, name(deployment)

    def test_every_deployment_has_an_hpa(self, overlay: str, objects: tuple[Obj, ...], deployments: list[Obj]) -> None:
        hpas = {hpa["spec"]["scaleTargetRef"]["name"]: hpa for hpa in of_kind(objects, "HorizontalPodAutoscaler")}
        for deployment in deployments:
            hpa = hpas.get(name(deployment))
            assert hpa is not None, name(deployment)
            assert hpa["apiVersion"] == "autoscaling/v2"
            assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
            assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"] == EXPECTED_REPLICAS[overlay]
            assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
            assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in hpa["spec"]["metrics"])

    def test_every_deployment_has_a_migration_job(self, objects: tuple[Obj, ...], deployments: list[Obj]) -> None:
        jobs = {pod_labels(j)["app.kubernetes.io/name"]: j for j in of_kind(objects, "Job")}
        for deployment in deployments:
            job = jobs[name(deployment)]
            (migrate,) = pod_spec(job)["containers"]
            (app,) = pod_spec(deployment)["containers"]
            assert migrate["image"] == app["image"], "the Job must migrate with the release's own image"
            assert migrate["command"] == [
                "alembic",
                "-c",
                f"/app/services/{name(deployment)}/alembic.ini",
                "upgrade",
                "head",
            ]
            assert pod_spec(job)["restartPolicy"] == "Never"

    def test_services_select_their_deployment(self, objects: tuple[Obj, ...], deployments: list[Obj]) -> None:
        services = {name(s): s for s in of_kind(objects, "Service")}
        for deployment in deployments:
            service = services[name(deployment)]
            assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(deployment))
            matched = [d for d in deployments if selects({"matchLabels": service["spec"]["selector"]}, pod_labels(d))]
            assert matched == [deployment], f"{name(service)} must select one Deployment"


class TestConfigurationAndSecrets:
    def test_no_secret_carries_data(self, objects: tuple[Obj, ...]) -> None:
        for secret in of_kind(objects, "Secret"):
            assert not secret.get("data") and not secret.get("stringData"), name(secret)

    def test_secrets_are_referenced_by_key(self, objects: tuple[Obj, ...]) -> None:
        for workload in of_kind(objects, "Deployment") + of_kind(objects, "Job"):
            for container in pod_spec(workload)["containers"]:
                for env in container.get("env", []):
                    assert "value" not in env or not any(
                        word in env["name"] for word in ("SECRET", "TOKEN", "PASSWORD", "DATABASE_URL")
                    ), f"{name(workload)}: {env['name']} must come from a Secret"
                    ref = env.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        assert ref["name"] == "zdrav-secrets", env["name"]
                for source in container.get("envFrom", []):
                    assert "secretRef" not in source, "reference single keys, not whole Secrets"

    def test_database_url_from_the_service_secret_key(self, objects: tuple[Obj, ...]) -> None:
        for workload in of_kind(objects, "Deployment") + of_kind(objects, "Job"):
            service = pod_labels(workload)["app.kubernetes.io/name"]
            prefix = service.removesuffix("-api")
            env = {e["name"]: e for c in pod_spec(workload)["containers"] for e in c.get("env", [])}
            ref = env[f"{prefix.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
            assert ref["key"] == f"{prefix}-database-url"

    def test_config_maps_referenced_exist(self, objects: tuple[Obj, ...]) -> None:
        config_maps = {name(c) for c in of_kind(objects, "ConfigMap")}
        for workload in of_kind(objects, "Deployment") + of_kind(objects, "Job"):
            for container in pod_spec(workload)["containers"]:
                for source in container.get("envFrom", []):
                    if "configMapRef" in source:
                        assert source["configMapRef"]["name"] in config_maps, name(workload)

    def test_everything_namespaced_in_one_namespace(self, objects: tuple[Obj, ...]) -> None:
        (namespace,) = of_kind(objects, "Namespace")
        labels = namespace["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        for obj in objects:
            if obj["kind"] != "Namespace":
                assert obj["metadata"]["namespace"] == name(namespace), f"{obj['kind']}/{name(obj)}"


class TestNetwork:
    def test_default_deny_ingress(self, objects: tuple[Obj, ...]) -> None:
        denies = [
            p
            for p in of_kind(objects, "NetworkPolicy")
            if p["spec"]["podSelector"] == {} and "Ingress" in p["spec"]["policyTypes"] and not p["spec"].get("ingress")
        ]
        assert denies, "a default-deny ingress policy is required"

    def test_each_service_admits_only_ingress_controller_peers_and_monitoring(
        self, objects: tuple[Obj, ...], deployments: list[Obj]
    ) -> None:
        policies = [p for p in of_kind(objects, "NetworkPolicy") if p["spec"].get("ingress")]
        for deployment in deployments:
            mine = [p for p in policies if selects(p["spec"]["podSelector"], pod_labels(deployment))]
            assert mine, name(deployment)
            for policy in mine:
                for rule in policy["spec"]["ingress"]:
                    assert rule.get("from"), f"{name(policy)}: a rule without `from` admits everyone"
                    for peer in rule["from"]:
                        assert "ipBlock" not in peer, name(policy)
                        if "namespaceSelector" in peer:
                            allowed = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                            assert allowed in {"ingress-nginx", "monitoring"}, name(policy)
                        else:
                            assert peer["podSelector"]["matchLabels"]["app.kubernetes.io/part-of"] == "zdrav"

    def test_ingress_backends_exist_and_ops_endpoints_stay_inside(self, objects: tuple[Obj, ...]) -> None:
        services = {name(s): s for s in of_kind(objects, "Service")}
        for ingress in of_kind(objects, "Ingress"):
            assert ingress["apiVersion"] == "networking.k8s.io/v1"
            for rule in ingress["spec"]["rules"]:
                for path in rule["http"]["paths"]:
                    backend = path["backend"]["service"]
                    assert backend["name"] in services, backend
                    port_names = {p.get("name") for p in services[backend["name"]]["spec"]["ports"]}
                    assert backend["port"].get("name") in port_names, backend
                    assert path["path"] in {"/v1", "/docs", "/openapi.json"} or path["path"].startswith("/v1/")
                    assert not path["path"].startswith(("/metrics", "/healthz", "/readyz"))

    def test_kiosk_batch_endpoint_is_exposed(self, objects: tuple[Obj, ...]) -> None:
        routes = [
            (path["path"], path["pathType"], path["backend"]["service"]["name"])
            for ingress in of_kind(objects, "Ingress")
            for rule in ingress["spec"]["rules"]
            for path in rule["http"]["paths"]
        ]
        assert ("/v1/responses/batch", "Exact", "survey-api") in routes
