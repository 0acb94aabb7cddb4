"""Openness of real models: the FMTI, EOSAI and MOF data sets, their scores, regulatory
definitions of "open source", and the bridge to the openness game's threshold θ.

The data is read from a path, else from the folder named by ``MOATLAB_DATA``, else from the
pinned snapshot packaged with moatlab (:data:`PACKAGED_DATA`, see its ``SNAPSHOT.md``); moatlab
never downloads it.

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
from .eosai import DIMENSIONS, GROUPS, EOSAIProject, eosai_scores, load_eosai
from .fmti import FMTIRelease, fmti_scores, load_fmti, read_release, summary
from .mof import COMPONENTS, LABELS, MOFResult, classify, classify_file, license_lists, load_mof, mof_table

__all__ = [
    "COMPONENTS", "DEFINITIONS", "DIMENSIONS", "GROUPS", "LABELS", "Catalogue", "DataFormatError",
    "DataPathError", "Definition", "EOSAIProject", "FMTIDeveloper", "FMTIRelease", "LoadError",
    "LoadReport", "MOFResult", "PACKAGED_DATA", "Verdict", "check", "classify", "classify_file",
    "eosai_scores",
    "exempt_at", "exemptions", "fmti_scores", "get_definition", "license_lists", "load_catalogue",
    "load_eosai", "load_fmti", "load_mof", "mof_table", "openness_table", "read_release", "summary",
    "threshold",
]
