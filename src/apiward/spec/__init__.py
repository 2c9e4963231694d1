"""The contract: Swagger 2.0 and OpenAPI 3.x documents loaded into one frozen model."""

from apiward.spec.loader import load, load_source
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
    is_decimal_string,
    json_types,
)
from apiward.spec.source import Origin, Source

__all__ = [
    "Api",
    "OAuthFlow",
    "Operation",
    "Origin",
    "Parameter",
    "ParameterLocation",
    "RequestBody",
    "Requirement",
    "Response",
    "Schema",
    "SecurityScheme",
    "Server",
    "Source",
    "is_decimal_string",
    "json_types",
    "load",
    "load_source",
]
