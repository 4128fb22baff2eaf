# One-command set-up and runs on a fresh Debian machine (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SNAKEMAKE := $(VENV)/bin/snakemake
CORES ?= 2
# The workflow calls console scripts of the package (the LOBSTER test double).
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
DEBIAN_PACKAGES := lammps lammps-data quantum-espresso quantum-espresso-data \
	slurm-wlm munge libpmix-dev openmpi-bin chromium

.PHONY: setup slurm-profile run test bench lint format dry-run report clean-fixture
.DEFAULT_GOAL := run

setup: $(VENV)/.installed .debian-packages slurm-profile

# The global Snakemake profile "slurm" (site settings) from profiles/slurm, installed as
# ~/.config/snakemake/slurm (kept if present; FORCE=1 replaces it). Then, from here:
#   snakemake --profile slurm -n
# e.g. make slurm-profile SLURM_PARTITION=compute SLURM_ACCOUNT=myproject FORCE=1
slurm-profile:  # needs the venv (make setup builds it first)
	$(PY) tools/install_slurm_profile.py $(if $(SLURM_PARTITION),--partition $(SLURM_PARTITION)) \
		$(if $(SLURM_ACCOUNT),--account $(SLURM_ACCOUNT)) $(if $(FORCE),--force)

# Debian packages: installed only when one of the programs is missing.
.debian-packages:
	@bash tools/install-debian-packages.sh $(DEBIAN_PACKAGES)
	@touch $@

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

run: setup
	$(SNAKEMAKE) --profile profiles/local --configfile config/fixture.yaml --cores $(CORES)
	$(SNAKEMAKE) --profile profiles/local --configfile config/fixture.yaml --report results-fixture/report.html

test: setup
	$(VENV)/bin/pytest -q tests

bench: setup
	$(PY) bench/run_all.py

lint: setup
	$(VENV)/bin/ruff check src tests scripts bench tools
	$(VENV)/bin/ruff format --check src tests scripts bench tools
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules
	$(SNAKEMAKE) --lint --configfile config/fixture.yaml

format: setup
	$(VENV)/bin/ruff format src tests scripts bench tools
	$(VENV)/bin/ruff check --fix src tests scripts bench tools
	$(VENV)/bin/snakefmt Snakefile workflow/rules

dry-run: setup
	$(SNAKEMAKE) --profile profiles/local --configfile config/fixture.yaml -n
