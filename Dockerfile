# syntax=docker/dockerfile:1
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# Unprivileged user that runs every process in the container.
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --shell /usr/sbin/nologin app

# The libraries and fonts WeasyPrint needs to make the PDFs (the chronology, the packs): Pango
# for the text layout, HarfBuzz to put only the letters used in each file, Liberation Sans
# (Arial's metrics) and DejaVu for everything else.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first so this layer is cached until requirements.txt changes.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY --chown=app:app . .

# var/ is excluded by .dockerignore; create it (and the media dir, so a named volume mounted
# there inherits app ownership) before dropping privileges.
RUN mkdir -p /app/var/media /app/var/staticfiles \
    && chmod +x /app/docker/entrypoint.sh \
    && chown -R app:app /app/var

USER app

# Build-only dummy values: production settings require these, but collectstatic touches neither
# the secret key nor the hosts. Real values are supplied at runtime.
RUN DJANGO_SECRET_KEY=build-only-not-secret DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
