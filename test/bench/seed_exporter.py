"""The first seed's exporter.py, for the daemon memory comparison: a
prometheus_client HTTP server and a loop that fetches both endpoints and
sets three gauges, here every INTERVAL seconds from the benchmark's fake API.

Usage: python3 seed_exporter.py BASE_URL PORT INTERVAL
Needs Debian's python3-requests and python3-prometheus-client.
"""
import sys
import time

import requests
from prometheus_client import Gauge, start_http_server

base, port, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
start_http_server(port, addr="127.0.0.1")
people = Gauge("numero_de_astronautas", "Número de astronautas no espaço")
longitude = Gauge("longitude_ISS", "Longitude da Estação Espacial Internacional")
latitude = Gauge("latitude_ISS", "Latitude da Estação Espacial Internacional")
while True:
    people.set(requests.get(f"{base}/astros.json", timeout=5).json()["number"])
    position = requests.get(f"{base}/iss-now.json", timeout=5).json()["iss_position"]
    longitude.set(position["longitude"])
    latitude.set(position["latitude"])
    time.sleep(interval)
