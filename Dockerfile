# The preprod bot image: `docker build -t preprod .`
# Run: docker run -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET -p 3000:3000 \
#        -v preprod-data:/app/.preprod preprod serve --port 3000
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PREPROD_CONFIG=/app/preprod.yaml

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY actions ./actions
COPY storage ./storage
COPY prompts ./prompts
RUN pip install . && useradd --create-home --uid 10001 preprod
COPY preprod.yaml ./
COPY examples ./examples
RUN mkdir -p /app/.preprod && chown -R preprod /app/.preprod

USER preprod
VOLUME ["/app/.preprod"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c \
  "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2)" \
  || exit 1
ENTRYPOINT ["preprod"]
CMD ["serve", "--port", "3000"]
