"""gunicorn's settings for `make serve` and the systemd unit (README, "Serving"): `--config gunicorn.conf.py`.

The access log names the path without its query string (%(U)s, not the request line %(r)s) and
leaves out the Referer, which carries the previous page's query string: search terms are personal
data (``/positions/?q=<name>``). The client address %(h)s is the reverse proxy's; the application's
audit log (logger ``integration_admin.audit``) records the client's.
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'
