"""The classifier service's settings: one typed object read from ``SENTIMENT_*`` environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sentiment.artifact import DEFAULT_ARTIFACT


class Settings(BaseSettings):
    """Where the service listens, which model it serves and how hard it may be pushed.

    Every field is read from the environment variable ``SENTIMENT_<FIELD>`` (for example ``SENTIMENT_PORT=9000``);
    an invalid value stops the service at start-up with a message naming the variable.
    """

    model_config = SettingsConfigDict(env_prefix="SENTIMENT_", frozen=True)

    host: str = Field("127.0.0.1", description="Interface to listen on; 0.0.0.0 inside a container.")
    port: int = Field(8001, ge=1, le=65535, description="TCP port to listen on.")
    artifact_dir: Path = Field(DEFAULT_ARTIFACT, description="Folder of the model artifact to serve.")
    batch_size: int = Field(64, ge=1, le=1024, description="Texts per forward pass of the model.")
    max_batch_texts: int = Field(
        512, ge=1, le=65536, description="Texts of concurrent requests gathered into one batch of work at most."
    )
    max_queued_requests: int = Field(
        256, ge=1, le=100_000, description="Requests waiting for the model before new ones get 503 Retry-After."
    )
    max_body_bytes: int = Field(
        6_000_000, ge=1024, description="Largest request body accepted; larger ones get 413 before being read."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Lowest level logged.")
