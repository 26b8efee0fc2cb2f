"""The host-side secret store the binding tests hand the core."""

from patient_portal import portal_ffi as ffi


class DictStore(ffi.SecretStore):
    """A host-side secret store, as a mobile app would implement over its keychain."""

    def __init__(self):
        self.items = {}

    def get(self, key):
        return self.items.get(key)

    def set(self, key, value):
        self.items[key] = value

    def delete(self, key):
        self.items.pop(key, None)
