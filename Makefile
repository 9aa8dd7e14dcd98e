# Two commands for a newcomer: `make demo` and `make test`. Both install what they need from nothing.
SHELL := /usr/bin/env bash

.PHONY: demo test install typecheck build clean

# npm writes node_modules/.package-lock.json on every install: reinstall only when the lock changes.
# `npm install` (which follows the lock) rather than `npm ci`: the lock cannot list other platforms'
# optional binaries (@swc/core-*, @unrs/resolver-binding-*) that this registry does not serve, and
# `npm ci` refuses a lock without them.
node_modules/.package-lock.json: package-lock.json package.json
	npm install --no-audit --no-fund

install: node_modules/.package-lock.json
	bash scripts/venv.sh

typecheck: install
	npm run typecheck

build: install
	npm run build

test: install typecheck
	npm test

demo: build
	bash scripts/demo.sh

clean:
	rm -rf dist ide-dist src/generated .demo
