"""The database going away under the running app (issue 14): while it cannot be reached
every page answers 503 「数据库暂时不可用」 in Chinese, without a traceback; once it is back
the next request succeeds, without restarting the app (a new connection each time the old
one fails its health check, CONN_HEALTH_CHECKS).

The machine's PostgreSQL is shared, so it is never restarted: the app talks to it through a
small TCP proxy that the test stops (dropping every connection) and starts again."""

import socket
import threading
import urllib.error
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.db.utils import load_backend
from django.test import Client, override_settings
from django.urls import include, path

from duban.urls import handler500  # noqa: F401  (this test's urlconf answers like the real one)

OUTAGE = "数据库暂时不可用"


def _database_down(request):
    raise OperationalError(
        "connection to server at 127.0.0.1, port 5432 failed: Connection refused"
    )


urlpatterns = [path("down/", _database_down), path("", include("duban.urls"))]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@override_settings(DEBUG=False)
def test_an_unreachable_database_answers_a_chinese_503_page():
    client = Client(raise_request_exception=False)

    page = client.get("/down/")
    api = client.get("/down/", HTTP_ACCEPT="application/json")

    assert page.status_code == 503 and api.status_code == 503
    text = page.content.decode()
    assert OUTAGE in text and "请稍等片刻后刷新页面再试" in text
    assert "Traceback" not in text and "Connection refused" not in text
    assert page["Retry-After"] == "30"


class Proxy:
    """Forwards 127.0.0.1:<port> to the database; stop() drops every connection."""

    def __init__(self, target):
        self.target = target
        self.port = None
        self.sockets = []
        self.lock = threading.Lock()

    def start(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port or 0))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        try:  # wakes the accepting thread: a bare close() leaves it listening
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _serve(app_server, database):
    # the server's thread has its own connection, to the database through the proxy
    connections["default"] = load_backend(database["ENGINE"]).DatabaseWrapper(database, "default")
    app_server.serve_forever(poll_interval=0.05)
    connections["default"].close()


def _get(url, cookie):
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_pages_fail_cleanly_while_postgresql_is_away_and_work_again_without_a_restart():
    from django.core.wsgi import get_wsgi_application

    # an expired session: the home page looks it up in the database, then sends to 登录
    # (nothing committed is needed, so the test needs no slow flush of the database)
    cookie = f"{settings.SESSION_COOKIE_NAME}=expired0session0key0expired0ses"

    db = connection.settings_dict
    proxy = Proxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    proxy.start()
    through_proxy = {**db, "HOST": "127.0.0.1", "PORT": str(proxy.port)}
    assert through_proxy["CONN_MAX_AGE"] and through_proxy["CONN_HEALTH_CHECKS"]
    app_server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler)
    thread = threading.Thread(target=_serve, args=(app_server, through_proxy), daemon=True)
    thread.start()
    home = f"http://127.0.0.1:{app_server.server_port}/"
    try:
        status, text = _get(home, cookie)
        assert status == 200 and "登录" in text, text

        proxy.stop()  # the database restarts: every connection is dropped, none accepted
        status, text = _get(home, cookie)
        assert status == 503
        assert OUTAGE in text and "Traceback" not in text
        status, text = _get(home, cookie)  # and again, while it is still away
        assert status == 503

        proxy.start()  # back, on the same address; the app is not restarted
        status, text = _get(home, cookie)
        assert status == 200 and "登录" in text, text
    finally:
        app_server.shutdown()
        thread.join(10)
        app_server.server_close()
        proxy.stop()
