"""Repository tools run by ``make`` (not shipped with the loaders): ``contract_docs`` renders the data
contract into the dbt sources YAML and README's contract table (``make readme``)."""
