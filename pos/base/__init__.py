"""The base: money and its formatting, the errors, text from people, words for counts, CSV cells, secret files and owner-only folders.
May use: the standard library and third-party libraries only; nothing else of the project.
"""
