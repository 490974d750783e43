#!/usr/bin/env bash
# Container entrypoint. First argument picks the role:
#   web     migrate (and seed demo data when SEED_DEMO=1), then run gunicorn
#   worker  Celery worker
#   beat    Celery beat with the database scheduler
#   other   exec'd as given (e.g. the default gunicorn CMD, or `python manage.py shell`)
set -euo pipefail

# worker/beat start alongside web; wait (bounded) until web has applied migrations so beat's
# DatabaseScheduler tables exist. Carries on regardless after the timeout.
wait_for_migrations() {
    local tries="${MIGRATION_WAIT_TRIES:-60}"
    for ((i = 1; i <= tries; i++)); do
        if python manage.py migrate --check >/dev/null 2>&1; then
            return 0
        fi
        echo "Waiting for database migrations ($i/$tries)..."
        sleep 2
    done
    echo "Migrations still pending after waiting; starting anyway." >&2
}

case "${1:-}" in
    web)
        python manage.py migrate --noinput
        if [ "${SEED_DEMO:-0}" = "1" ]; then
            python manage.py seed_demo
        fi
        exec gunicorn config.wsgi:application \
            --bind 0.0.0.0:8000 \
            --workers "${GUNICORN_WORKERS:-3}" \
            --access-logfile -
        ;;
    worker)
        # The worker sends the emails: refuse to start on settings that fail the system checks
        # (e.g. no SITE_URL), as web's migrate does.
        python manage.py check
        wait_for_migrations
        exec celery -A config worker -l info
        ;;
    beat)
        wait_for_migrations
        exec celery -A config beat -l info \
            --scheduler django_celery_beat.schedulers:DatabaseScheduler
        ;;
    *)
        exec "$@"
        ;;
esac
