"""Tables in and out of a run: what is read as a table, how answers are laid out, and the
tokens a run used (see ``client.batch.run`` and its ``to_pandas``, ``to_polars``,
``to_arrow``, ``write_parquet`` and ``usage``)."""

from ._run_tables import TableOptions
from ._tables_in import TABLE_SUFFIXES, is_table
from ._usage import Prices, Usage

__all__ = ["TABLE_SUFFIXES", "Prices", "TableOptions", "Usage", "is_table"]
