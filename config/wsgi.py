import gc
import os

from django.core.wsgi import get_wsgi_application

from config import collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
collector.tune()
application = get_wsgi_application()
# What is loaded at start lives as long as the process: the collector need never walk it again.
gc.freeze()
