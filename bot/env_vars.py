"""Every environment variable preprod reads, in one place. Secrets come only from here."""

SLACK_BOT_TOKEN = "SLACK_BOT_TOKEN"
SLACK_SIGNING_SECRET = "SLACK_SIGNING_SECRET"
SLACK_APP_TOKEN = "SLACK_APP_TOKEN"  # Socket Mode
SLACK_API_URL = "SLACK_API_URL"  # Web API base URL; default Slack's own
PREPROD_CONFIG = "PREPROD_CONFIG"
PREPROD_LOG_LEVEL = "PREPROD_LOG_LEVEL"

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
