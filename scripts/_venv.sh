# Sourced by the scripts beside it: make sure .venv exists and holds the
# packages of the requirements file given as the first argument.

ensure_venv() {
    local requirements="$1"
    local stamp=".venv/.installed-${requirements%.txt}"
    local wanted

    if [ ! -x .venv/bin/python ]; then
        echo "Creating .venv with $(python3 --version)"
        if ! python3 -m venv .venv; then
            echo "python3 -m venv failed; on Debian install python3-venv." >&2
            return 1
        fi
    fi

    # Reinstall only when a requirements file changed since the last install.
    wanted="$(cat requirements*.txt | sha256sum)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return 0
    fi
    echo "Installing $requirements into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        -r "$requirements"
    echo "$wanted" >"$stamp"
}
