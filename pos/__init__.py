"""Anytender business core, in packages by domain, each using only those before it:
base -> store -> people -> books -> sales -> cash -> tips -> day -> opening. Never prints.
"""
