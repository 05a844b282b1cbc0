"""The runtime suite's workload: the real vineyard Python client, run in a worker pod on a simulated node.

Every subcommand prints one JSON object on its last stdout line.
  put-ipc                       put a numpy array over IPC ($VINEYARD_IPC_SOCKET), persist it
  get-rpc HOST PORT ID          connect over RPC and get the object (its blobs may live on another instance)
  cluster-info HOST PORT        the instances vineyardd reports (client.meta) over RPC
  reach ENDPOINT...             resolve each host:port and connect to it as a vineyard RPC client
"""
import json
import socket
import sys

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


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"put-ipc": put_ipc, "get-rpc": get_rpc, "cluster-info": cluster_info, "reach": reach}[command](*args)
