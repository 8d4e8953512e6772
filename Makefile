# ascendops.llm: one entry point for the demo and every check. Everything runs offline apart from PyPI.
#   make demo        build the simulator, start the simulated cluster, run site.yml on it, print a report
#   make test        lint + sanity + unit + molecule (what CI runs)
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV ?= .venv
PYTHON ?= python3
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(abspath ansible.cfg)
export MOLECULE_GLOB := molecule/*/molecule.yml
export ANSIBLE_LINT_NODEPS := 1
export PYTEST_ADDOPTS ?= -p no:cacheprovider

SCENARIOS ?= $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))
COLLECTION_LINK := .collections/ansible_collections/ascendops/llm
SANITY_ROOT := build/ansible_collections/ascendops/llm
PIP_VERSION := 24.2

.PHONY: help prereqs setup collection-link image sim-packages lint yamllint ansible-lint sanity unit molecule test perf demo demo-clean clean

help:
	@grep -E '^#   make' $(MAKEFILE_LIST) | sed 's/^#   //'
	@echo "  make setup | image | lint | sanity | unit | molecule [SCENARIOS=default] | perf | demo-clean | clean"

$(BIN)/ansible-playbook: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

# Debian packages and a running Docker engine (sudo when not root); .ci/run calls it too.
prereqs:
	tests/sim/prereqs.sh

setup: $(BIN)/ansible-playbook collection-link

# ansible finds ascendops.llm in this checkout through ansible.cfg's collections_path and this link (git-ignored:
# ansible-test forbids committed directory symlinks).
collection-link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@[ -L $(COLLECTION_LINK) ] || ln -s ../../.. $(COLLECTION_LINK)

image:
	tests/sim/build.sh

lint: yamllint ansible-lint

yamllint: setup
	yamllint --strict .

ansible-lint: setup
	ansible-lint --offline --profile production

# ansible-test needs the collection under ansible_collections/<ns>/<name>: test a copy of the files git knows
# (a git repository of its own, so ansible-test lists exactly those files).
sanity: setup
	rm -rf build/ansible_collections && mkdir -p $(SANITY_ROOT)
	git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T - | tar -xf - -C $(SANITY_ROOT)
	mkdir -p ~/.ansible/test/cache
	cp tests/sanity/get_pip.py ~/.ansible/test/cache/get_pip_$(subst .,_,$(PIP_VERSION)).py
	cd $(SANITY_ROOT) && git init -q . && git add -A && ansible-test sanity --venv --requirements --python 3.11 --color no

unit: setup
	pytest -q tests/sim/tests $(wildcard tests/unit)

molecule: setup image
	for scenario in $(SCENARIOS); do molecule test -s $$scenario; done

test: lint sanity unit molecule
	@echo "make test: lint, sanity, unit and molecule ($(SCENARIOS)) passed"

# Benchmarks print numbers; they never pass or fail on speed. With the demo cluster up, they also time the module.
perf: setup
	python tests/perf/bench_npu_info.py $(if $(shell docker ps -q -f name=sim-a3-1),--host sim-a3-1 --host sim-a2-1)
	python tests/perf/bench_serving_config.py
	python tests/perf/bench_model_weights.py
	python tests/perf/bench_npu_network.py

SIM_PACKAGES := .cache/sim-packages
sim-packages:
	PYTHONPATH=tests/sim python -m ascend_sim.cli mkrepo --out $(SIM_PACKAGES) \
		--package driver=24.1.rc3 --package firmware=7.5.0.1.129 \
		--package toolkit=8.2.RC1 --package kernels=8.2.RC1 --package nnal=8.2.RC1 \
		--package docker-runtime=6.0.0 >/dev/null

demo: prereqs setup image sim-packages
	ansible-playbook tests/sim/cluster.yml -i inventories/sim
	ansible-playbook site.yml -i inventories/sim
	ansible-playbook tests/sim/report.yml -i inventories/sim

demo-clean: setup
	ansible-playbook tests/sim/cluster.yml -i inventories/sim -e sim_cluster_state=absent

clean: demo-clean
	for scenario in $(SCENARIOS); do molecule destroy -s $$scenario || true; done
	rm -rf build .cache .ansible .collections tests/output
