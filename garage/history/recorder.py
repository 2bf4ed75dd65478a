"""Placeholder until the recorder lands: units of work record nothing yet."""


def flush(unit):
    pass


def lock_head(car_id, using):
    return 0
