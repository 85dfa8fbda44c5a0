"""Tables in and out of a run: what is read as a table, how answers are laid out, why a
structured answer could not be read, and the tokens a run used (see ``client.batch.run``
and its ``to_pandas``, ``to_polars``, ``to_arrow``, ``write_parquet`` and ``usage``)."""

from ._run_tables import TableOptions
from ._structured import ParseError
from ._tables_in import TABLE_SUFFIXES, is_table
from ._usage import Prices, Usage

__all__ = ["TABLE_SUFFIXES", "ParseError", "Prices", "TableOptions", "Usage", "is_table"]
