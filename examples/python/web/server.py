"""A tiny HTTP service on the guest's 127.0.0.1:8000: / says hello, /health answers ok."""

import http.server
import json


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            body, kind = b"ok\n", "text/plain"
        else:
            body, kind = json.dumps({"hello": "from the guest", "path": self.path}).encode(), "application/json"
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
