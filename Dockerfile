# The production image of the Sunshine Portal: one image for every zone and every role
# (web, worker, beat); docker-compose.yml chooses the zone and the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production

RUN groupadd --system portal \
    && useradd --system --gid portal --home-dir /app --shell /usr/sbin/nologin portal

WORKDIR /app

# The CJK font embedded in every document (PDF_FONT_PATH) and poppler to check them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei poppler-utils \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

COPY --chown=portal:portal . .

# /media, /seals and /spool belong to the portal user so that the named volumes mounted there
# start out writable by it.
RUN mkdir -p /app/var /media /spool /seals && chown portal:portal /app/var /media /spool /seals

USER portal

# Production settings refuse to load without real secrets. These values exist only for this
# build step and are not stored in the image's environment; every container receives its own
# SECRET_KEY, EXCHANGE_KEY and TRAIL_KEY at run time.
RUN SECRET_KEY=build-only-not-a-secret-collectstatic-0000 \
    EXCHANGE_KEY=build-only-not-a-secret-collectstatic-0000 \
    TRAIL_KEY=build-only-not-a-secret-collectstatic-0000 \
    python manage.py collectstatic --noinput

EXPOSE 8000

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
