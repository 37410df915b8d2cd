"""Every environment variable preprod reads, in one place. Secrets come only from here.

The credentials of Prometheus, Loki and Tempo are read in `actions/telemetry/credentials.py`
(actions never import bot); their names are listed here from there.
"""

from actions.telemetry import credentials as _telemetry

SLACK_BOT_TOKEN = "SLACK_BOT_TOKEN"
SLACK_SIGNING_SECRET = "SLACK_SIGNING_SECRET"
SLACK_APP_TOKEN = "SLACK_APP_TOKEN"  # Socket Mode
SLACK_API_URL = "SLACK_API_URL"  # Web API base URL; default Slack's own
PREPROD_CONFIG = "PREPROD_CONFIG"
PREPROD_LOG_LEVEL = "PREPROD_LOG_LEVEL"

# Telemetry credentials: a bearer token, or a user and password, per backend.
PREPROD_PROMETHEUS_TOKEN = _telemetry.PREPROD_PROMETHEUS_TOKEN
PREPROD_PROMETHEUS_USER = _telemetry.PREPROD_PROMETHEUS_USER
PREPROD_PROMETHEUS_PASSWORD = _telemetry.PREPROD_PROMETHEUS_PASSWORD
PREPROD_LOKI_TOKEN = _telemetry.PREPROD_LOKI_TOKEN
PREPROD_LOKI_USER = _telemetry.PREPROD_LOKI_USER
PREPROD_LOKI_PASSWORD = _telemetry.PREPROD_LOKI_PASSWORD
PREPROD_TEMPO_TOKEN = _telemetry.PREPROD_TEMPO_TOKEN
PREPROD_TEMPO_USER = _telemetry.PREPROD_TEMPO_USER
PREPROD_TEMPO_PASSWORD = _telemetry.PREPROD_TEMPO_PASSWORD

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
