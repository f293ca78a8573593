"""The seeds' approach, for comparison: requests + prometheus_client's
write_to_textfile (the Flask tutorial's phase 2), against the same API.

Usage: python3 seed_textfile.py BASE_URL OUTPUT
Needs Debian's python3-requests and python3-prometheus-client.
"""
import sys

import requests
from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

base, output = sys.argv[1], sys.argv[2]
registry = CollectorRegistry()
astros = requests.get(f"{base}/astros.json", timeout=5).json()
iss = requests.get(f"{base}/iss-now.json", timeout=5).json()
Gauge("open_notify_people_in_space", "Number of people in space.", registry=registry).set(astros["number"])
info = Gauge("open_notify_astronaut_info", "One series per person.", ["name", "craft"], registry=registry)
for p in astros["people"]:
    info.labels(p["name"], p["craft"]).set(1)
Gauge("open_notify_iss_latitude_degrees", "ISS latitude.", registry=registry).set(float(iss["iss_position"]["latitude"]))
Gauge("open_notify_iss_longitude_degrees", "ISS longitude.", registry=registry).set(float(iss["iss_position"]["longitude"]))
write_to_textfile(output, registry)
