"""The regional primary-care centre registry: centres, members, compliance and change notices."""
