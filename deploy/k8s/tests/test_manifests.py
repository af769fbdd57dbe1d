"""Policy checks on the rendered Kubernetes manifests of every overlay.

The schema check (field names and types) is scripts/k8s_schema_validate.py in scripts/k8s_validate.sh; these
tests check what a schema cannot: that each Deployment is probed, bounded, locked down, covered by a
PodDisruptionBudget, an HPA and a migration Job, that nothing secret is committed and that the
references between objects resolve. `ZDRAV_K8S_RENDERED_DIR` points at `<overlay>.yaml` files
rendered by the script; without it the overlays are rendered here with `kubectl kustomize`.
"""

from __future__ import annotations

import configparser
import os
import re
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
    """The services' Deployments (PgBouncer's is checked in test_database.py)."""
    found = [d for d in of_kind(objects, "Deployment") if pod_labels(d).get("app.kubernetes.io/component") == "api"]
    assert sorted(name(d) for d in found) == sorted(SERVICES)
    assert sorted(name(d) for d in of_kind(objects, "Deployment")) == sorted([*SERVICES, "pgbouncer"])
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

    def test_database_url_from_the_service_secret_key(self, objects: tuple[Obj, ...], deployments: list[Obj]) -> None:
        for workload in deployments + of_kind(objects, "Job"):
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


# The database side: PgBouncer in every overlay, the CloudNativePG cluster in prod ---------------------
# The schemas (field names, types, enums) are checked by scripts/k8s_schema_validate.py against the
# operator's CRDs; these check that the pieces point at each other — the services at PgBouncer in
# transaction mode, PgBouncer's databases at the cluster's read-write and read-only services, the
# backups at the object store the cluster archives to — and the operator's CEL rules that matter here.

SERVICE_DATABASES = {"kpi-api": "kpi", "survey-api": "survey", "roadmap-api": "roadmap"}
READ_REPLICA_SERVICES = ("kpi-api", "survey-api")
"""The services with read-heavy calls (zdrav_shared.replica): they get ``<P>_READ_DATABASE_URL``."""


def config_map(objects: tuple[Obj, ...], prefix: str) -> Obj:
    """A generated ConfigMap by its base name (kustomize appends a content hash)."""
    (found,) = [c for c in of_kind(objects, "ConfigMap") if re.fullmatch(rf"{prefix}(-[a-z0-9]+)?", name(c))]
    return found


def pgbouncer_settings(objects: tuple[Obj, ...]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """``[pgbouncer]`` of pgbouncer.ini, and each database of databases.ini as key=value settings."""
    data = config_map(objects, "pgbouncer-config")["data"]
    ini = configparser.ConfigParser(comment_prefixes=(";", "#", "%"), interpolation=None)
    ini.read_string(data["pgbouncer.ini"])
    databases: dict[str, dict[str, str]] = {}
    for line in data["databases.ini"].splitlines():
        if line.strip() and not line.lstrip().startswith(";"):
            database, _, connstring = line.partition("=")
            databases[database.strip()] = dict(re.findall(r"(\w+)=('[^']*'|\S+)", connstring))
    return dict(ini["pgbouncer"]), databases


class TestPgBouncer:
    def test_transaction_mode_on_6432_with_auth_from_the_secret(self, objects: tuple[Obj, ...]) -> None:
        settings, _ = pgbouncer_settings(objects)
        assert settings["pool_mode"] == "transaction"
        assert settings["listen_port"] == "6432"
        assert settings["auth_type"] == "scram-sha-256"
        (deployment,) = [d for d in of_kind(objects, "Deployment") if name(d) == "pgbouncer"]
        spec = pod_spec(deployment)
        (container,) = spec["containers"]
        assert container["image"].split(":")[0] == "zdrav/pgbouncer"
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes[mounts["/etc/pgbouncer"]]["configMap"]["name"] == name(config_map(objects, "pgbouncer-config"))
        auth_dir, _, auth_file = settings["auth_file"].rpartition("/")
        secret = volumes[mounts[auth_dir]]["secret"]
        assert secret["secretName"] == "zdrav-secrets"
        assert secret["items"] == [{"key": "pgbouncer-userlist", "path": auth_file}]
        ini = config_map(objects, "pgbouncer-config")["data"]["pgbouncer.ini"]
        assert "%include /etc/pgbouncer/databases.ini" in ini, "databases.ini is read from the same ConfigMap"

    def test_every_service_database_is_pooled_with_a_statement_timeout(self, objects: tuple[Obj, ...]) -> None:
        _, databases = pgbouncer_settings(objects)
        for database in SERVICE_DATABASES.values():
            entry = databases[database]
            assert entry["dbname"] == database
            # The services cannot send statement_timeout through PgBouncer: it is set per server connection.
            assert "statement_timeout" in entry["connect_query"]

    def test_services_run_in_pgbouncer_mode_and_are_admitted(self, objects: tuple[Obj, ...]) -> None:
        for service, database in SERVICE_DATABASES.items():
            prefix = database.upper()
            assert config_map(objects, f"{service}-config")["data"][f"{prefix}_DATABASE_PGBOUNCER"] == "true"
        (service,) = [s for s in of_kind(objects, "Service") if name(s) == "pgbouncer"]
        assert service["spec"]["ports"][0]["port"] == 6432
        (policy,) = [p for p in of_kind(objects, "NetworkPolicy") if name(p) == "pgbouncer-ingress"]
        peers = [peer["podSelector"]["matchLabels"] for rule in policy["spec"]["ingress"] for peer in rule["from"]]
        components = sorted(p["app.kubernetes.io/component"] for p in peers)
        assert components == ["api", "migration"] and all(p["app.kubernetes.io/part-of"] == "zdrav" for p in peers)

    def test_read_replica_url_is_optional_and_only_where_reads_are_heavy(self, objects: tuple[Obj, ...]) -> None:
        for deployment in of_kind(objects, "Deployment"):
            service = name(deployment)
            if service not in SERVICE_DATABASES:
                continue
            prefix = SERVICE_DATABASES[service].upper()
            env = {e["name"]: e for c in pod_spec(deployment)["containers"] for e in c.get("env", [])}
            read = env.get(f"{prefix}_READ_DATABASE_URL")
            if service in READ_REPLICA_SERVICES:
                assert read is not None, service
                ref = read["valueFrom"]["secretKeyRef"]
                assert ref == {"name": "zdrav-secrets", "key": f"{SERVICE_DATABASES[service]}-read-database-url",
                               "optional": True}  # fmt: skip
            else:
                assert read is None, service


def prod() -> tuple[Obj, ...]:
    return rendered("prod")


def the(kind: str, objects: tuple[Obj, ...]) -> Obj:
    (found,) = of_kind(objects, kind)
    return found


class TestCloudNativePG:
    def test_dev_needs_no_operator(self) -> None:
        operator_kinds = [o["kind"] for o in rendered("dev") if o["apiVersion"].split("/")[0].endswith("cnpg.io")]
        assert operator_kinds == []

    def test_three_instances_with_synchronous_replication(self) -> None:
        cluster = the("Cluster", prod())
        spec = cluster["spec"]
        assert spec["instances"] == 3
        synchronous = spec["postgresql"]["synchronous"]
        # The operator's CEL rules: at least one, and fewer than the instances (else no failover target).
        assert 1 <= synchronous["number"] < spec["instances"]
        assert synchronous["dataDurability"] == "required"
        assert spec["affinity"]["enablePodAntiAffinity"] is True

    def test_pgbouncer_points_writes_at_rw_and_replica_reads_at_ro(self) -> None:
        objects = prod()
        cluster = name(the("Cluster", objects))
        _, databases = pgbouncer_settings(objects)
        for service, database in SERVICE_DATABASES.items():
            assert databases[database]["host"] == f"{cluster}-rw"
            if service in READ_REPLICA_SERVICES:
                replica = databases[f"{database}_ro"]
                assert (replica["host"], replica["dbname"]) == (f"{cluster}-ro", database)
        assert all(entry["host"] in {f"{cluster}-rw", f"{cluster}-ro"} for entry in databases.values())

    def test_each_service_database_and_role_exists(self) -> None:
        objects = prod()
        cluster = the("Cluster", objects)
        made = {cluster["spec"]["bootstrap"]["initdb"]["database"]: cluster["spec"]["bootstrap"]["initdb"]["owner"]}
        for database in of_kind(objects, "Database"):
            assert database["spec"]["cluster"]["name"] == name(cluster)
            made[database["spec"]["name"]] = database["spec"]["owner"]
        assert made == {db: db for db in SERVICE_DATABASES.values()}
        roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
        for database in SERVICE_DATABASES.values():
            assert roles[database]["login"] is True and roles[database]["passwordSecret"]["name"]
            assert "pg_monitor" in roles[database]["inRoles"], "data_as_of reads the WAL receiver's status"

    def test_backups_scheduled_to_the_object_store_the_cluster_archives_to(self) -> None:
        objects = prod()
        cluster = the("Cluster", objects)
        (archiver,) = [p for p in cluster["spec"]["plugins"] if p.get("isWALArchiver")]
        assert archiver["name"] == "barman-cloud.cloudnative-pg.io"
        store = the("ObjectStore", objects)
        assert archiver["parameters"]["barmanObjectName"] == name(store)
        assert store["spec"]["configuration"]["destinationPath"].startswith("s3://")
        assert store["spec"]["retentionPolicy"]
        backup = the("ScheduledBackup", objects)
        assert backup["spec"]["cluster"]["name"] == name(cluster)
        assert backup["spec"]["method"] == "plugin"
        assert backup["spec"]["pluginConfiguration"]["name"] == archiver["name"]
        assert len(backup["spec"]["schedule"].split()) == 6, "the operator's cron has a seconds field"

    def test_instances_admit_the_operator_themselves_pgbouncer_and_monitoring_only(self) -> None:
        objects = prod()
        cluster = name(the("Cluster", objects))
        instance_labels = {"cnpg.io/cluster": cluster}
        policies = [p for p in of_kind(objects, "NetworkPolicy") if p["spec"].get("ingress")]
        (policy,) = [p for p in policies if selects(p["spec"]["podSelector"], instance_labels)]
        admitted: list[tuple[str, Any]] = []
        for rule in policy["spec"]["ingress"]:
            ports = sorted(p["port"] for p in rule["ports"])
            for peer in rule["from"]:
                if "namespaceSelector" in peer:
                    admitted.append((peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], ports))
                else:
                    admitted.append((str(sorted(peer["podSelector"]["matchLabels"].items())), ports))
        assert ("cnpg-system", [5432, 8000]) in admitted
        assert (str(sorted(instance_labels.items())), [5432, 8000]) in admitted
        assert ("monitoring", [9187]) in admitted
        pgbouncer = str(
            sorted({"app.kubernetes.io/name": "pgbouncer", "app.kubernetes.io/component": "connection-pooler"}.items())
        )
        assert (pgbouncer, [5432]) in admitted
        assert len(admitted) == 4
