"""daoban's domain package: the matter catalogue, its importers and the matter search.

Nothing here imports Rasa; `actions/` and `connectors/` are thin adapters around it.
"""
