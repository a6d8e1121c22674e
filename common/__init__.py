"""Code shared by the gateway and both services: settings, errors, names, tokens, clients."""
