# Everyday commands; each one calls a script in scripts/.

.PHONY: run test lint format

run:  ## Start the site with demo data on http://127.0.0.1:8000
	./scripts/run

test:  ## Lint, check migrations and run the tests
	./scripts/test

lint:  ## Check style without changing anything
	./scripts/lint

format:  ## Fix what the linters can fix
	./scripts/lint --fix
