"""The runtime suite's workload: the real vineyard Python client, run in a worker pod on a simulated node.

Every subcommand prints one JSON object on its last stdout line.
  put-ipc                       put a numpy array over IPC ($VINEYARD_IPC_SOCKET), persist it
  get-rpc HOST PORT ID          connect over RPC and get the object (its blobs may live on another instance)
  cluster-info HOST PORT        the instances vineyardd reports (client.meta) over RPC
  reach ENDPOINT...             resolve each host:port and connect to it as a vineyard RPC client
  put-get-ipc [--wait S] [--sleep]
                                put and get back a numpy array over IPC (waiting up to S s for the socket),
                                then, with --sleep, stay up (a workload container in the vineyardd pod)
  blobs SIZE...                 one IPC connection: create a blob of each size (bytes; "delete" drops the
                                blobs created so far); the outcome of each, and memory usage/limit after it
  put-many COUNT MIB            COUNT arrays of MIB MiB, each put and persisted over its own IPC connection
                                (closed after the put, so the object is no longer in use), then read back
"""
import json
import os
import signal
import socket
import sys
import time

import numpy as np
import vineyard

EXPECTED = np.arange(1000, dtype=np.int64) * 7


def out(**kwargs):
    print(json.dumps(kwargs), flush=True)


def put_ipc():
    client = vineyard.connect()  # VINEYARD_IPC_SOCKET
    object_id = client.put(EXPECTED)
    client.persist(object_id)
    out(id=repr(object_id), instance_id=client.instance_id, socket=client.ipc_socket)


def get_rpc(host, port, object_id):
    client = vineyard.connect(host, int(port))
    value = client.get(vineyard.ObjectID(object_id))
    out(instance_id=client.instance_id, equal=bool(np.array_equal(value, EXPECTED)), length=len(value))


def cluster_info(host, port):
    client = vineyard.connect(host, int(port))
    instances = {}
    for instance_id, status in client.meta.items():
        instances[str(instance_id)] = {
            key: status.get(key) for key in ("hostname", "nodename", "rpc_endpoint", "ipc_socket")
        }
    out(instance_id=client.instance_id, instances=instances)


def reach(*endpoints):
    results = {}
    for endpoint in endpoints:
        host, _, port = endpoint.rpartition(":")
        try:
            addresses = sorted({a[4][0] for a in socket.getaddrinfo(host, int(port), socket.AF_INET)})
        except OSError as error:
            results[endpoint] = {"resolves": False, "error": str(error)}
            continue
        try:
            client = vineyard.connect(host, int(port))
            results[endpoint] = {"resolves": True, "addresses": addresses, "instance_id": client.instance_id}
            client.close()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[endpoint] = {"resolves": True, "addresses": addresses, "error": str(error)}
    out(results=results)


def connect_ipc(wait):
    deadline = time.monotonic() + wait
    while True:
        try:
            return vineyard.connect()
        except Exception:  # noqa: BLE001 - vineyardd not up yet
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def put_get_ipc(*args):
    wait = float(args[args.index("--wait") + 1]) if "--wait" in args else 0
    client = connect_ipc(wait)
    object_id = client.put(EXPECTED)
    value = client.get(object_id)
    out(
        id=repr(object_id),
        instance_id=client.instance_id,
        socket=client.ipc_socket,
        equal=bool(np.array_equal(value, EXPECTED)),
        node=os.environ.get("VINEYARD_NODE_NAME"),
        # which vineyardd answered: the RPC endpoint it registered (its pod's IP)
        rpc_endpoint=client.meta[client.instance_id].get("rpc_endpoint"),
    )
    if "--sleep" in args:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            time.sleep(3600)


def error_text(error):
    return f"{type(error).__name__}: {error}"[:400]


def blobs(*sizes):
    client = vineyard.connect()
    created, results = [], []
    for size in sizes:
        entry = {"size": size}
        try:
            if size == "delete":
                client.delete(created, force=True)
                created = []
            else:
                created.append(client.create_blob(int(size)).seal(client).id)
            entry["ok"] = True
        except Exception as error:  # noqa: BLE001 - reported to the test
            entry.update(ok=False, error=error_text(error))
        status = client.status
        entry.update(usage=status.memory_usage, limit=status.memory_limit)
        results.append(entry)
    out(instance_id=client.instance_id, results=results)


def put_many(count, mib):
    count, mib = int(count), int(mib)
    puts, gets = [], []
    for i in range(count):
        client = vineyard.connect()
        try:
            object_id = client.put(np.full(mib * 2**20 // 8, i, dtype=np.int64))
            client.persist(object_id)
            puts.append({"ok": True, "id": repr(object_id), "usage": client.status.memory_usage})
        except Exception as error:  # noqa: BLE001 - reported to the test
            puts.append({"ok": False, "error": error_text(error), "usage": client.status.memory_usage})
        client.close()
    for i, put in enumerate(puts):
        if not put["ok"]:
            continue
        client = vineyard.connect()
        try:
            value = client.get(vineyard.ObjectID(put["id"]))
            gets.append({"i": i, "ok": True, "equal": bool((value == i).all()) and len(value) == mib * 2**17})
            del value
        except Exception as error:  # noqa: BLE001 - reported to the test
            gets.append({"i": i, "ok": False, "error": error_text(error)})
        gets[-1]["usage"] = client.status.memory_usage
        client.close()
    out(puts=puts, gets=gets, limit=vineyard.connect().status.memory_limit)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {
        "put-ipc": put_ipc,
        "get-rpc": get_rpc,
        "cluster-info": cluster_info,
        "reach": reach,
        "put-get-ipc": put_get_ipc,
        "blobs": blobs,
        "put-many": put_many,
    }[command](*args)
