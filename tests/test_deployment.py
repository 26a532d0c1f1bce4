"""docker-compose.yml and the Dockerfile, checked without Docker (which the development machines lack)."""

import ast
import re
import shlex
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
ZONES = ("external", "internal")
SERVICES = [f"{role}-{zone}" for zone in ZONES for role in ("db", "redis", "web", "worker", "beat")]


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def zone_of(name: str) -> str:
    return name.rsplit("-", 1)[1]


def in_zone(services: dict, zone: str) -> dict:
    return {name: service for name, service in services.items() if zone_of(name) == zone}


def commands_of(service: dict) -> list[list[str]]:
    """Each command the service runs, as argv: `sh -c "a && exec b"` gives [a, b]."""
    command = service["command"]
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] != ["sh", "-c"]:
        return [argv]
    parts = [shlex.split(part) for part in argv[2].split("&&")]
    return [part[1:] if part[0] == "exec" else part for part in parts]


def defines(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text())
    return any(
        isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        for node in tree.body
    )


def check_gunicorn(argv: list[str]) -> None:
    module, app = next(arg for arg in argv[1:] if not arg.startswith("-")).split(":")
    path = ROOT / (module.replace(".", "/") + ".py")
    assert path.is_file(), f"gunicorn module {module} has no file {path}"
    assert defines(path, app), f"{path} defines no {app}"


def check_celery(argv: list[str]) -> None:
    app = argv[argv.index("-A") + 1]
    assert (ROOT / app / "celery.py").is_file(), f"celery app {app} has no {app}/celery.py"


def check_python(argv: list[str]) -> None:
    assert argv[1] == "manage.py", argv
    assert argv[2] in get_commands(), f"no management command {argv[2]}"


CHECKS = {"gunicorn": check_gunicorn, "celery": check_celery, "python": check_python}


def env_host(service: dict, variable: str) -> str:
    """The host of a URL in the service's environment, `${...}` interpolations blanked out."""
    return urlsplit(re.sub(r"\$\{[^}]*\}", "x", service["environment"][variable])).hostname


def volume_names(service: dict) -> set[str]:
    return {volume.split(":")[0] for volume in service.get("volumes", [])}


def test_every_service_of_both_zones_is_defined(services):
    assert set(SERVICES) <= set(services)


def test_every_project_service_runs_an_installed_program_on_a_target_that_exists(services):
    built = {name: service for name, service in services.items() if "build" in service}
    assert {name for name in SERVICES if not name.startswith(("db-", "redis-"))} <= set(built)
    bin_dir = str(Path(sys.executable).parent)
    for name, service in built.items():
        for argv in commands_of(service):
            assert argv[0] in CHECKS, f"{name} runs unknown program {argv[0]}"
            assert shutil.which(argv[0], path=bin_dir), f"{argv[0]} is not installed"
            CHECKS[argv[0]](argv)


def test_web_services_migrate_before_serving(services):
    for zone in ZONES:
        programs = [argv[0] for argv in commands_of(services[f"web-{zone}"])]
        assert programs == ["python", "gunicorn"], programs


def test_every_service_but_workers_and_beat_has_a_healthcheck(services):
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test") or name.startswith(("worker-", "beat-")), (
            f"{name} has no healthcheck"
        )


def test_each_zone_runs_exactly_one_beat(services):
    for zone in ZONES:
        beats = [name for name, service in in_zone(services, zone).items() if "beat" in str(service.get("command"))]
        assert beats == [f"beat-{zone}"]


def test_zones_share_no_database_and_no_broker(services):
    for variable in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
        hosts = {}
        for zone in ZONES:
            zone_services = in_zone(services, zone)
            hosts[zone] = {
                env_host(s, variable) for s in zone_services.values() if variable in s.get("environment", {})
            }
            assert hosts[zone] and hosts[zone] <= set(zone_services), f"{variable} of {zone} leaves the zone"
        assert not hosts["external"] & hosts["internal"], variable


def test_zones_share_no_network(services):
    networks = {zone: set() for zone in ZONES}
    for name, service in services.items():
        assert service.get("networks"), f"{name} is on the default network, shared by all"
        networks[zone_of(name)] |= set(service["networks"])
    assert not networks["external"] & networks["internal"]


def test_the_spool_volume_is_the_only_volume_both_zones_mount(services):
    mounted = {zone: set().union(*map(volume_names, in_zone(services, zone).values())) for zone in ZONES}
    assert mounted["external"] & mounted["internal"] == {"spool"}
    for zone in ZONES:
        spool_mounts = [
            v for s in in_zone(services, zone).values() for v in s.get("volumes", []) if v.startswith("spool:")
        ]
        assert "spool:/spool" in spool_mounts
        assert services[f"worker-{zone}"]["environment"]["EXCHANGE_SPOOL_DIR"] == "/spool"


def test_the_image_serves_the_wsgi_application_by_default():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = [line for line in dockerfile.splitlines() if line.startswith("CMD ")]
    assert len(cmd) == 1 and "portal.wsgi:application" in cmd[0]
    assert re.search(r"^USER (?!root)", dockerfile, re.MULTILINE), "the image runs as root"
