"""Service-account tokens (JWTs): validation, scope, where requests carry them, redaction.

The public interface for the apps is `init_app`, `resolve_secrets`, `TokenValidator.authorize`
(via `validator()`), `require_access` and `install_log_redaction`; see docs/tokens.md.
"""

from common.tokens.claims import AUDIENCES
from common.tokens.claims import Claims
from common.tokens.claims import format_scope
from common.tokens.claims import parse_grant
from common.tokens.claims import parse_scope
from common.tokens.denylist import Denylist
from common.tokens.devkeys import resolve_secrets
from common.tokens.extract import init_app
from common.tokens.extract import request_token
from common.tokens.extract import require_access
from common.tokens.extract import validator
from common.tokens.keys import JwksCache
from common.tokens.keys import TokenConfigError
from common.tokens.redaction import RedactionFilter
from common.tokens.redaction import install_log_redaction
from common.tokens.redaction import redact
from common.tokens.validator import TokenValidator
from common.tokens.validator import channel_not_found
from common.tokens.validator import mint_token

__all__ = [
    "AUDIENCES",
    "Claims",
    "Denylist",
    "JwksCache",
    "RedactionFilter",
    "TokenConfigError",
    "TokenValidator",
    "channel_not_found",
    "format_scope",
    "init_app",
    "install_log_redaction",
    "mint_token",
    "parse_grant",
    "parse_scope",
    "redact",
    "request_token",
    "require_access",
    "resolve_secrets",
    "validator",
]
