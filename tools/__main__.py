"The experiments entry point: `python -m tools COMMAND --help` for each command."
import argparse, importlib, sys

from . import __doc__ as about
commands = ('experiments', 'sweep', 'straightness', 'baseline', 'frontier', 'vae', 'ema', 'pictures', 'build') # modules, each registering its commands

def selftest(a):
    import unittest
    from . import test_tools
    result = unittest.TextTestRunner(verbosity=2).run(unittest.defaultTestLoader.loadTestsFromModule(test_tools))
    sys.exit(not result.wasSuccessful())

def parser()->argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='python -m tools', description=about, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='command', required=True)
    for name in commands: importlib.import_module(f'.{name}', __package__).register(sub)
    sub.add_parser('selftest', help="check the tools: the results writer, provenance, the catalogue").set_defaults(func=selftest)
    return p

def main(argv=None):
    from .rows import provenance
    a = parser().parse_args(argv)
    provenance() # the commit and date as the command starts, before it writes anything
    a.func(a)

if __name__ == '__main__': main()
