"""Service settings in one pydantic-settings object, read from ROUTEPLAN_* environment variables.

What the core needs (road graphs, servers, geocoder key, tiles, data folder, calendar) is the
core's own `RuntimeConfig`, read from the same environment once and carried as `runtime`;
the fields here are the service's alone (database, queue, links, limits, timings).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from routeplan.config import RuntimeConfig


def _runtime_from_env() -> RuntimeConfig:
    cfg = RuntimeConfig.from_env(os.environ)
    if "ROUTEPLAN_DATA_DIR" not in os.environ:  # the service's default: ./var, absolute
        cfg = cfg.with_flags(data_dir=Path.cwd() / "var")
    return cfg


class Settings(BaseSettings):
    """Everything the service, its workers and its commands read from the environment."""

    model_config = SettingsConfigDict(env_prefix="ROUTEPLAN_", extra="ignore")

    runtime: RuntimeConfig = Field(
        default_factory=_runtime_from_env, exclude=True,
        description="The core's runtime configuration (routeplan.config; its own variables).")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty: sqlite file routeplan.db in data_dir.")
    queue_url: str = Field(
        default="", description="redis://… to use RQ workers; empty: a local process pool.")
    local_workers: int = Field(default=2, ge=1, le=64,
                               description="Processes of the embedded local worker pool.")
    worker_nice: int = Field(
        default=10, ge=0, le=19,
        description="Niceness of solver processes (local pool and `routeplan worker`): "
                    "solving is batch work, so requests to the API go first on shared cores.")
    public_base_url: str = Field(default="http://127.0.0.1:8000",
                                 description="Absolute base of field links, as staff reach it.")
    link_secret: SecretStr = Field(
        default=SecretStr(""),
        description="HMAC secret for field links; empty: one generated and kept in data_dir.")
    rate_limit_per_minute: int = Field(default=600, ge=1,
                                       description="Requests per key per minute.")
    rate_limit_burst: int = Field(default=60, ge=1, description="Bucket size per key.")
    rate_limit_exempt_keys: list[str] = Field(
        default_factory=list, description="Key ids (not secrets) exempt from rate limits.")
    cors_origins: list[str] = Field(default_factory=list,
                                    description="Allowed browser origins; empty: CORS closed.")
    max_request_bytes: int = Field(default=10 * 1024 * 1024, ge=1024,
                                   description="Largest request body accepted.")
    retention_days: int = Field(default=730, ge=1,
                                description="Archived plans are purged after this many days.")
    default_time_limit_s: float = Field(default=30.0, gt=0, le=3600)
    max_attempts: int = Field(default=2, ge=1, le=10,
                              description="Attempts of a job whose worker died before it fails.")
    heartbeat_s: float = Field(default=5.0, gt=0,
                               description="How often a running job reports it is alive.")
    stale_after_s: float = Field(default=30.0, gt=0,
                                 description="A job silent for this long has lost its worker.")
    reap_interval_s: float = Field(default=5.0, gt=0,
                                   description="How often the service looks for such jobs.")
    overview_link_ttl_s: int = Field(default=900, ge=30, le=86400,
                                     description="Lifetime of a plan's signed overview link.")
    console_session_hours: float = Field(
        default=10.0, gt=0, le=24 * 7, description="How long a console sign-in lasts.")

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def data_dir(self) -> Path:
        """Folder for the embedded database and the link secret (ROUTEPLAN_DATA_DIR)."""
        return self.runtime.data_dir

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'routeplan.db'}"

    def resolved_link_secret(self) -> bytes:
        """The link secret; generated once and kept (mode 600) in data_dir when not given."""
        secret = self.link_secret.get_secret_value()
        if secret:
            return secret.encode()
        import secrets

        path = self.data_dir / "link-secret"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48), encoding="ascii")
        return path.read_text(encoding="ascii").strip().encode()
