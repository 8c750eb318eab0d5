"""Every setting read from the environment, in one model (see README, "Settings").

`settings()` is the only reader of these variables. Its answer is cached for the values the variables hold, so
a changed environment (a test's monkeypatch, a restarted worker) is read afresh and an unchanged one is not
validated twice. A value that does not validate stops the caller with a message naming the variable and the fix.
Variables may also be given in a `.env` file in the working directory; the environment wins.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
DEFAULT_WAREHOUSE = SAMPLE_DIR / "warehouse.duckdb"
DEFAULT_AUDIT_LOG = ROOT / "data" / "audit" / "audit.jsonl"  # git-ignored
DEFAULT_LA = "E06000023"  # Bristol, City of (801): the bundled sample's area
DEFAULT_SEED = 2026


def _setting(variable: str, default: Any, description: str, shown: str | None = None) -> Any:
    """A field read from `variable`; `shown` is the default as the README states it (no machine paths)."""
    return Field(default, validation_alias=variable, description=description,
                 json_schema_extra={"shown_default": shown} if shown else None)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, env_file=".env", extra="ignore",
                                      frozen=True, validate_by_name=True, validate_by_alias=True)

    # Data
    warehouse: Path = _setting(
        "SEND_WAREHOUSE", DEFAULT_WAREHOUSE, "The DuckDB warehouse the app reads (opened read-only) and "
        "`python -m data ingest` writes by default.", "`data/sample/warehouse.duckdb`")
    temp_dir: Path | None = _setting(
        "SEND_TEMP_DIR", None, "A folder the app may write, where DuckDB spills a large query's working data while "
        "reading the warehouse. Set it when the warehouse's folder is read-only (a read-only mount): a folder on "
        "local disk, e.g. `/tmp/send-spill`.", "beside the warehouse (`<warehouse>.tmp-<host>-<pid>-<n>`)")
    stale_after_days: int = Field(
        45, ge=0, validation_alias="SEND_STALE_AFTER_DAYS",
        description="A local extract older than this many days (from its reference date to today) is flagged "
                    "\"may be out of date\" beside the figures it gives (a monthly extract plus a fortnight); "
                    "published figures are flagged once the catalogue's `next_update` has passed.")
    region_group: str | None = _setting(
        "SEND_REGION_GROUP", None, "The councils the regional view (`/region`) compares: comma-separated council "
        "codes (`E06000023,E06000024`), those the warehouse holds. Unset: the councils of the home council's "
        "region that the warehouse holds.", "none (the home council's region)")
    targets: Path | None = _setting(
        "SEND_TARGETS", None, "Targets and local baselines: a YAML file, or a folder of `<area code>.yaml` "
        "files.", "`indicators/targets/`")
    # Cache
    cache_redis_url: str | None = _setting(
        "SEND_CACHE_REDIS_URL", None, "A Redis URL (`redis://host:6379/0`): indicator results (keyed by "
        "warehouse version) are cached there, shared by every worker and server, instead of in files.", "none (a file cache)")
    cache_dir: Path | None = _setting(
        "SEND_CACHE_DIR", None, "The folder of the file cache of indicator results and drawn pages, keyed by "
        "warehouse version (when no Redis URL is set). Made readable by its owner alone; one another user owns "
        "is refused.",
        "`send-dashboard-cache-<user id>` in the system's temporary folder")
    cache_threshold: int = Field(
        20000, ge=1, validation_alias="SEND_CACHE_THRESHOLD",
        description="The most results the file cache keeps; past it the oldest quarter is dropped in one pass.")
    # The audit log (dashboard/audit.py; README, "Audit log")
    audit_log: Path = _setting(
        "SEND_AUDIT_LOG", DEFAULT_AUDIT_LOG, "The audit log: who saw which children's records and exports, and every "
        "sign-in (JSON lines, each entry chained to the one before by its SHA-256). Append-only, kept apart from "
        "the warehouse, made readable by its owner alone; every worker and server must write the same file.",
        "`data/audit/audit.jsonl`")
    # Web server (scripts/gunicorn.conf.py, which scripts/run.sh and the Dockerfile use; and `python app.py`)
    host: str = _setting("HOST", "127.0.0.1", "The address the dashboard serves on (`scripts/run.sh`, gunicorn).")
    port: int = Field(8050, ge=1, le=65535, validation_alias="PORT",
                      description="The port the dashboard serves on (`scripts/run.sh`, gunicorn).")
    # Who sees what (dashboard/identity.py; README, "Sign-in and roles")
    auth: Literal["demo", "local", "oidc", "public"] = _setting(
        "SEND_AUTH", "demo", "How people sign in: `demo` (demo users for each role, printed at start; never in "
        "production), `local` (the users file, `SEND_USERS_FILE`), `oidc` (single sign-on, e.g. Microsoft Entra "
        "ID: the `SEND_OIDC_*` settings) or `public` (no sign-in: public-tier figures only). Signed-out visitors "
        "always see the public tier.")
    production: bool = _setting(
        "SEND_PRODUCTION", False, "A live deployment: the app refuses to start with demo sign-in, a missing or "
        "short secret key, an unset single sign-on, or a users file holding a demo user.")
    secret_key: SecretStr | None = _setting(
        "SEND_SECRET_KEY", None, "The key that signs session cookies: at least 32 random characters, the same "
        "on every server. Without one (not in production) a key is made once and kept in the cache folder.",
        "none")
    users_file: Path | None = _setting(
        "SEND_USERS_FILE", None, "The local users file (YAML, hashed passwords; `python -m dashboard.users add` "
        "writes it) for `SEND_AUTH=local`.", "none")
    session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, validation_alias="SEND_SESSION_IDLE_MINUTES",
        description="A session with no request for this many minutes ends; the person signs in again.")
    session_hours: int = Field(
        10, ge=1, le=24 * 7, validation_alias="SEND_SESSION_HOURS",
        description="The longest a session lasts, however busy, before the person signs in again.")
    cookie_secure: bool = _setting(
        "SEND_COOKIE_SECURE", True, "Send the session cookie over HTTPS only (`false` only to try the app over "
        "plain HTTP on another machine; browsers accept it over http://127.0.0.1 and localhost either way).")
    oidc_metadata_url: str | None = _setting(
        "SEND_OIDC_METADATA_URL", None, "The identity provider's OpenID configuration, for Entra ID "
        "`https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/openid-configuration`.", "none")
    oidc_client_id: str | None = _setting("SEND_OIDC_CLIENT_ID", None, "The app registration's client id.", "none")
    oidc_client_secret: SecretStr | None = _setting(
        "SEND_OIDC_CLIENT_SECRET", None, "The app registration's client secret.", "none")
    oidc_role_claim: str = _setting(
        "SEND_OIDC_ROLE_CLAIM", "roles", "The ID token claim that lists what the person holds: `roles` (Entra ID "
        "app roles) or `groups` (group object ids).")
    oidc_role_map: Path | None = _setting(
        "SEND_OIDC_ROLE_MAP", None, "A YAML file mapping each value of the role claim to the councils and roles "
        "it grants (`SEND.Officer.Bristol: {E06000023: officer}`).", "none")
    proxies: int = Field(
        0, ge=0, le=5, validation_alias="SEND_PROXIES",
        description="How many proxies (a load balancer, a TLS terminator) stand in front of the app: their "
                    "`X-Forwarded-For`, `-Proto` and `-Host` headers are then trusted for the person's address (the "
                    "sign-in rate limit, the audit log), the scheme and the host. 0: none are trusted.")
    # Branding and the board
    council_name: str = _setting("SEND_COUNCIL_NAME", "", "The council's name in the page header.", "none")
    service_name: str = _setting("SEND_SERVICE_NAME", "Local area SEND dashboard",
                                 "The service name in the header and the browser tab.")
    logo: str | None = _setting("SEND_LOGO", None, "A logo file in `assets/` shown in the header.", "none")
    primary_colour: str = _setting(
        "SEND_PRIMARY_COLOUR", "#1d4f91", "The header colour, `#rrggbb`; a colour white text cannot sit on at "
        "4.5:1 (WCAG AA) is replaced by the default.")
    kpis: str | None = _setting(
        "SEND_KPIS", None, "The board's headline indicators: a YAML file (a list of ids, or `{kpis: [...]}`) or "
        "comma-separated ids.", "`dashboard/kpis.yaml`")
    ward_geojson: Path | None = _setting(
        "SEND_WARD_GEOJSON", None, "Ward boundaries for a real ward map: a GeoJSON file whose features carry the "
        "ward code or name (as `id` or a property).", "none (a hex tile map)")
    chromium: Path = _setting("SEND_CHROMIUM", Path("/usr/bin/chromium"),
                              "The Chromium executable that prints the board pack PDF.")


ENVIRONMENT = {field.validation_alias: name for name, field in Settings.model_fields.items()}


class SettingsError(ValueError):
    """A setting that does not validate, named with its fix."""


@functools.lru_cache(maxsize=8)
def _settings(_values: tuple[str | None, ...]) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None


def settings() -> Settings:
    """The settings now in force (cached for the environment's current values of the variables)."""
    return _settings(tuple(os.environ.get(variable) for variable in ENVIRONMENT))


settings.cache_clear = _settings.cache_clear  # e.g. after editing `.env` in a running process


def _explain(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        variable = str(error["loc"][0]) if error["loc"] else "?"
        name = ENVIRONMENT.get(variable, variable)
        field = Settings.model_fields.get(name)
        default = shown_default(name) if field else ""
        problems.append(f"{variable}={error.get('input')!r} is not valid ({error['msg']}): set it to "
                        f"{_expected(name)}, or unset it to use the default ({default})")
    return "; ".join(problems)


def _kind(name: str) -> str:
    annotation = str(Settings.model_fields[name].annotation)
    if annotation == str(int):
        return "whole number"
    if annotation == str(bool):
        return "true or false"
    return "path" if "Path" in annotation else "one of" if "Literal" in annotation else "text"


def _expected(name: str) -> str:
    bounds = {type(m).__name__: m for m in Settings.model_fields[name].metadata}
    if _kind(name) == "whole number":
        low, high = getattr(bounds.get("Ge"), "ge", None), getattr(bounds.get("Le"), "le", None)
        return "a whole number" + (f" from {low}" if low is not None else "") + (f" to {high}" if high else "")
    if _kind(name) == "one of":
        return " or ".join(f"`{v}`" for v in get_args(Settings.model_fields[name].annotation))
    return {"path": "a file or folder path", "true or false": "`true` or `false`"}.get(_kind(name), "a valid value")


def shown_default(name: str) -> str:
    field = Settings.model_fields[name]
    extra = field.json_schema_extra or {}
    if "shown_default" in extra:
        return str(extra["shown_default"])
    if isinstance(field.default, bool):
        return f"`{str(field.default).lower()}`"
    return f"`{field.default}`" if field.default not in ("", None) else "none"


def markdown_table() -> str:
    """The settings as the README documents them (generated: `python -m data settings --markdown`)."""
    lines = ["| variable | type | default | what it sets |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        lines.append(f"| `{field.validation_alias}` | {_kind(name)} | {shown_default(name)} | {field.description} |")
    return "\n".join(lines)


def warehouse_path() -> Path:
    """The warehouse in force (SEND_WAREHOUSE)."""
    return settings().warehouse


def region_group() -> list[str]:
    """The councils the regional view compares (SEND_REGION_GROUP), none when unset."""
    return [code.strip().upper() for code in (settings().region_group or "").split(",") if code.strip()]


def stale_after_days() -> int:
    """Days after which a local extract is flagged as out of date (SEND_STALE_AFTER_DAYS)."""
    return settings().stale_after_days
