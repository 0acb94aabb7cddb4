"""Openness of real models: the FMTI, EOSAI and MOF data sets, their scores, regulatory
definitions of "open source", and the bridge to the openness game's threshold θ.

The data is read from a path, else from the folder named by ``MOATLAB_DATA``, else from the
pinned snapshot packaged with moatlab (:data:`PACKAGED_DATA`, see its ``SNAPSHOT.md``); moatlab
never downloads it. ``eosai`` is the current EOSAI index, ``eosai-archive`` the archived format.

Examples
--------
>>> from moatlab import measures
>>> cat = measures.load_catalogue()
>>> t = measures.openness_table(cat.profiles(), lists=cat.lists)
>>> sorted(t["dataset"].unique())
['eosai', 'fmti', 'mof']
"""

from ._io import PACKAGED_DATA, DataFormatError, DataPathError, LoadError, LoadReport
from .catalogue import Catalogue, exempt_at, exemptions, load_catalogue, openness_table
from .definitions import DEFINITIONS, Definition, FMTIDeveloper, Verdict, check, get_definition, threshold
from .eosai import DIMENSIONS, GROUPS, EOSAIProject, eosai_scores, load_eosai, load_eosai_archive
from .eosai_index import EOSAIModel, eosai_index_scores, load_eosai_index
from .eu import compute_table, conditions
from .fmti import FMTIRelease, fmti_scores, load_fmti, read_release, summary
from .identity import compare, family_key, flagship_table, fmti_links, fmti_ties, identities, side_by_side
from .licences import resolve_licence
from .mof import COMPONENTS, LABELS, MOFResult, classify, classify_file, license_lists, load_mof, mof_table
from .orgs import alias_table

__all__ = [
    "COMPONENTS", "DEFINITIONS", "DIMENSIONS", "GROUPS", "LABELS", "Catalogue", "DataFormatError",
    "DataPathError", "Definition", "EOSAIModel", "EOSAIProject", "FMTIDeveloper", "FMTIRelease", "LoadError",
    "LoadReport", "MOFResult", "PACKAGED_DATA", "Verdict", "alias_table", "check", "classify",
    "classify_file", "compare", "compute_table", "conditions", "eosai_index_scores", "eosai_scores",
    "exempt_at", "exemptions",
    "family_key", "flagship_table", "fmti_links", "fmti_scores", "fmti_ties", "get_definition", "identities",
    "license_lists", "load_catalogue",
    "load_eosai", "load_eosai_archive", "load_eosai_index", "load_fmti", "load_mof", "mof_table",
    "openness_table", "read_release", "resolve_licence", "side_by_side", "summary", "threshold",
]
