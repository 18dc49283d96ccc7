# ML Engineer's Roadmap: `make book` builds the book, `make test` runs every check CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BOOK_HTML := _build/html/index.html

.PHONY: help install system-packages book book-instructor release check export-code sentiment-model serve serve-classifier classifier-image tutor-images compose-up compose-down lint nbval pytest test clean

help:
	@echo "make book     install everything and build the HTML book into _build/html"
	@echo "make test     every check CI runs: lint, course integrity, notebooks, strict book build"
	@echo "make book-instructor  the instructor edition: the book and every solution notebook, in _build/instructor"
	@echo "make release  regenerate the student notebooks in notebooks/ from solutions/"
	@echo "make check    course integrity invariants only"
	@echo "make sentiment-model  retrain the sentiment classifier artifact that Part 3 serves"
	@echo "make serve    serve the course tutor (the capstone RAG service) on 127.0.0.1:PORT (default 8000)"
	@echo "make export-code  rewrite deploy/tutor/ from the capstone solution notebooks"
	@echo "make serve-classifier  serve the sentiment classifier on 127.0.0.1:PORT (default 8001)"
	@echo "make classifier-image  build the classifier's container image with podman"
	@echo "make tutor-images  build the tutor's and its Prometheus's container images with podman"
	@echo "make compose-up   the tutor, Prometheus and Grafana on 127.0.0.1 (make compose-down stops them)"

$(INSTALLED): requirements.txt requirements-nodeps.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	$(BIN)/pip install --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

install: $(INSTALLED)

# Debian packages the tests need: bubblewrap (grading runs student code under it), podman with what it needs
# to build and run the course's container images without a Docker engine (debootstrap makes their base image),
# and chromium with a font set for the real-browser test of the built book.
SYSTEM_PACKAGES ?= bubblewrap podman runc iptables netavark aardvark-dns catatonit conmon uidmap fuse-overlayfs \
	slirp4netns debootstrap chromium fonts-liberation

# Install the missing ones (as root, with apt-get); otherwise say which are missing.
system-packages:
	@missing="$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
		else \
			echo "The tests need these system packages:" $$missing >&2; \
			echo "run 'sudo apt-get install --no-install-recommends" $$missing"' (or your system's equivalent)." >&2; \
			exit 1; \
		fi; \
	fi

# Build the classifier's container image with podman (its base image first, from Debian's packages).
classifier-image: system-packages
	deploy/containers/build-base-image.sh
	deploy/containers/build-classifier-image.sh

# The tutor's images (deploy/tutor/Dockerfile, deploy/tutor/monitoring/Containerfile), built with podman.
tutor-images: system-packages
	deploy/containers/build-base-image.sh
	deploy/containers/build-tutor-image.sh
	deploy/containers/build-prometheus-image.sh

# The tutor's compose stack (deploy/tutor/compose.yaml): the tutor, Prometheus and Grafana on 127.0.0.1 only.
# Grafana's image comes from Docker Hub; without an image registry: make compose-up COMPOSE_SERVICES="tutor prometheus"
COMPOSE := CONTAINERS_CONF=$(CURDIR)/deploy/containers/containers.conf $(BIN)/podman-compose -f deploy/tutor/compose.yaml
COMPOSE_SERVICES ?=

compose-up: $(INSTALLED) tutor-images
	$(COMPOSE) up -d $(COMPOSE_SERVICES)
	@echo "tutor http://127.0.0.1:8000/docs  Prometheus http://127.0.0.1:9090  Grafana http://127.0.0.1:3000"

compose-down: $(INSTALLED)
	$(COMPOSE) down

book: $(INSTALLED)
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo "The book is built: open file://$(CURDIR)/$(BOOK_HTML)"

# The book plus the solutions; it reuses the execution cache of `make book`, so each page runs only once.
book-instructor: $(INSTALLED)
	$(BIN)/python -m autograder book --output _build/instructor

release: $(INSTALLED)
	$(BIN)/python -m autograder release

check: $(INSTALLED)
	$(BIN)/python -m autograder check

# Rewrite the capstone service's code in deploy/ from the solution notebooks that are its source.
export-code: $(INSTALLED)
	$(BIN)/python -m autograder export-code

# Serve the course tutor (Part 6) on 127.0.0.1; TUTOR_* variables or a .env file configure it (deploy/tutor/.env.example).
# Its first start indexes the book into .tutor/ (about a minute); later starts reuse the index.
serve: $(INSTALLED)
	TUTOR_PORT=$(or $(PORT),8000) $(BIN)/python -m tutor serve

# Retrain the Part 2 sentiment classifier and rewrite its artifact in deploy/sentiment/artifact/.
sentiment-model: $(INSTALLED)
	$(BIN)/python -m sentiment.train

# Serve the sentiment classifier (Part 3) on 127.0.0.1; SENTIMENT_* variables configure it (see deploy/sentiment).
serve-classifier: $(INSTALLED)
	SENTIMENT_PORT=$(or $(PORT),8001) $(BIN)/python -m sentiment.serve

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Solution notebooks and every book page with code, run top to bottom by nbval, one test per cell: for finding
# which cell of a page broke. `make test` runs each of them once already (course integrity and the strict book build).
nbval: $(INSTALLED)
	rm -rf _build/nbval && mkdir -p _build/nbval
	for page in $$(grep -rl --include='*.md' '{code-cell}' book); do \
		$(BIN)/jupytext --quiet --to ipynb "$$page" -o "_build/nbval/$$(echo $${page%.md} | tr / _).ipynb" || exit 1; \
	done
	$(BIN)/pytest --nbval-lax --nbval-cell-timeout=300 -p no:cacheprovider -o filterwarnings= solutions _build/nbval

pytest: $(INSTALLED) system-packages
	$(BIN)/pytest -n 2 --dist loadfile --durations=30

test: lint pytest

clean:
	rm -rf _build grading
