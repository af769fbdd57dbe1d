"""The reference kiosk web app (``/kiosk/``) and what it needs from the API (``/v1/kiosk-setup``)."""
