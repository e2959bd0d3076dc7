# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulators' HTTP server base: serves from a daemon thread while a ``with`` block runs.

    with EmulatorServer() as srv:      # listening and answering from here
        client(srv.url)
    # stopped and its socket closed here, also when the block raised

``start_background()`` starts the same thread without the block (stop it with
``shutdown()`` and ``server_close()``).
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Any, Self


class BackgroundServer(ThreadingHTTPServer):
    daemon_threads = True

    def start_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name=type(self).__name__, daemon=True)
        thread.start()
        return thread

    def __enter__(self) -> Self:
        self.start_background()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()
