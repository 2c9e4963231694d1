"""The contract: Swagger 2.0 and OpenAPI 3.x documents loaded into one frozen model."""

from apiward.spec.loader import load
from apiward.spec.model import (
    Api,
    OAuthFlow,
    Operation,
    Parameter,
    ParameterLocation,
    RequestBody,
    Requirement,
    Response,
    Schema,
    SecurityScheme,
    Server,
)

__all__ = [
    "Api",
    "OAuthFlow",
    "Operation",
    "Parameter",
    "ParameterLocation",
    "RequestBody",
    "Requirement",
    "Response",
    "Schema",
    "SecurityScheme",
    "Server",
    "load",
]
