#!/usr/bin/env python3
"""A stand-in for a remote OpenAI-compatible model server (vLLM, llama.cpp's server on a GPU):
answers every request after a fixed delay, with answers that are valid but not intelligent.

For the sharded-layout test (tests/pg/pg_cluster_test.cc) and bench/pg_shards.sh: it makes the
AI throughput a matter of how many requests are in flight, as with real remote GPUs, while
costing this machine almost no CPU. It is not a model: its words say so.

    fake_model_server.py --port-file FILE [--port 0] [--delay-ms 100] [--prompt-log FILE]

  POST /v1/chat/completions  with response_format json_schema: the smallest JSON valid for the
                             schema (enum: the first value); else "model summary: <first words>"
  POST /v1/embeddings        a unit vector per input
  GET  /health, /v1/models   ok
  GET  /stats                {"requests": N}  (chat and embedding requests answered)

--prompt-log: appends every chat request's messages to FILE, one JSON array per line (tests
that check what reaches a model: fencing, PII masking).

Writes the port it listens on (127.0.0.1) into --port-file once it accepts connections.
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def instance(schema):
    """The smallest JSON value valid for a (simple) JSON schema."""
    if not isinstance(schema, dict):
        return None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    t = schema.get("type")
    if isinstance(t, list):
        t = t[0]
    if t == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: instance(props[k]) for k in schema.get("required", list(props))}
    if t == "array":
        n = max(1, schema.get("minItems", 1))
        return [instance(schema.get("items", {"type": "string"})) for _ in range(n)]
    if t == "integer":
        return int(schema.get("minimum", 0))
    if t == "number":
        return float(schema.get("minimum", 0))
    if t == "boolean":
        return False
    if t == "null":
        return None
    return "model answer"


class State:
    lock = threading.Lock()
    requests = 0
    delay_s = 0.1
    prompt_log = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, obj, code=200):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/stats":
            with State.lock:
                self.send_json({"requests": State.requests})
        elif self.path in ("/health", "/v1/models"):
            self.send_json({"status": "ok", "data": [{"id": "fake"}]})
        else:
            self.send_json({"error": "not found"}, 404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self.send_json({"error": "bad json"}, 400)
            return
        time.sleep(State.delay_s)
        if self.path == "/v1/chat/completions":
            if State.prompt_log:
                with State.lock, open(State.prompt_log, "a") as log:
                    log.write(json.dumps(body.get("messages", [])) + "\n")
            fmt = body.get("response_format") or {}
            if fmt.get("type") == "json_schema":
                content = json.dumps(instance(fmt.get("json_schema", {}).get("schema", {})))
            else:
                prompt = body.get("messages", [{}])[-1].get("content", "")
                content = "model summary: " + " ".join(prompt.split()[-6:])
            answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                   "finish_reason": "stop"}],
                      "usage": {"prompt_tokens": 10, "completion_tokens": 5}}
        elif self.path == "/v1/embeddings":
            inputs = body.get("input", [])
            inputs = inputs if isinstance(inputs, list) else [inputs]
            answer = {"data": [{"index": i, "embedding": [0.6, 0.8]} for i in range(len(inputs))],
                      "usage": {"prompt_tokens": len(inputs)}}
        else:
            self.send_json({"error": "not found"}, 404)
            return
        with State.lock:
            State.requests += 1
        self.send_json(answer)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--delay-ms", type=float, default=100)
    ap.add_argument("--prompt-log")
    a = ap.parse_args()
    State.delay_s = a.delay_ms / 1000.0
    State.prompt_log = a.prompt_log
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
