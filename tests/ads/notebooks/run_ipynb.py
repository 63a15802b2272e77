"""Runs a .ipynb in a Jupyter kernel of this interpreter with nbclient, as ``jupyter nbconvert --execute``
would: the kernel inherits this process's environment (a notebook session's, from ``dockyard notebook
env``), and nothing is added to the notebook. Prints each cell's output as the notebook shows it (its
own ``RESULT`` line among them); exits non-zero at the first failing cell, with its traceback.

Usage: run_ipynb.py NOTEBOOK.ipynb
"""
import sys

import nbformat
from nbclient import NotebookClient

notebook = nbformat.read(sys.argv[1], as_version=4)
try:
    NotebookClient(notebook, timeout=900, kernel_name="python3").execute()
finally:
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                print("\n".join(output.get("traceback", [])), f"\n{output.get('ename')}: {output.get('evalue')}")
            else:
                text = output.get("text") or ""
                print(text, end="" if text.endswith("\n") else "\n")
