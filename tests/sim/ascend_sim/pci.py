"""`lspci` and `dmidecode` of the simulated server: what shows the cards before any driver is installed.

lspci prints one PCI function per card (310P cards carry both chips behind one function, which is why npu-smi shows
both with the same Bus-Id) plus the usual host devices.
"""

from __future__ import annotations

import getopt
import sys

from . import state

HUAWEI = "Huawei Technologies Co., Ltd."
# Devices every server has, so output and filters look like a real machine.
_HOST_DEVICES = [
    {"slot": "0000:00:00.0", "class": 0x0600, "class_name": "Host bridge", "vendor": 0x8086,
     "vendor_name": "Intel Corporation", "device": 0x1237, "device_name": "440FX - 82441FX PMC [Natoma]",
     "svendor": 0x1AF4, "sdevice": 0x1100, "rev": 0x02},
    {"slot": "0000:00:03.0", "class": 0x0200, "class_name": "Ethernet controller", "vendor": 0x1AF4,
     "vendor_name": "Red Hat, Inc.", "device": 0x1000, "device_name": "Virtio network device",
     "svendor": 0x1AF4, "sdevice": 0x0001, "rev": 0x00},
]


def devices(hw: dict) -> list:
    out = list(_HOST_DEVICES)
    for card in hw["cards"]:
        pci = card["pci"]
        out.append({"slot": card["chips"][0]["bus_id"].lower(), "class": 0x1200,
                    "class_name": "Processing accelerators", "vendor": pci["vendor"], "vendor_name": HUAWEI,
                    "device": pci["device"], "device_name": "Device %04x" % pci["device"],
                    "svendor": pci["subsystem_vendor"],
                    "svendor_name": HUAWEI if pci["subsystem_vendor"] == 0x19E5 else "Device %04x" %
                    pci["subsystem_vendor"],
                    "sdevice": pci["subsystem_device"], "rev": 0x20})
    return sorted(out, key=lambda d: d["slot"])


def lspci(argv: list, out=None) -> int:
    out = out or sys.stdout
    try:
        opts, dummy = getopt.getopt(argv, "Dvmnd:s:k")
    except getopt.GetoptError as err:
        out.write("lspci: %s\n" % err)
        return 2
    flags = "".join(opt[1:] for opt, dummy in opts if opt != "-d")
    selector = dict(opts).get("-d")
    domain, numeric, machine = "D" in flags, "n" in flags, flags.count("m") >= 1
    verbose = "v" in flags
    rows = devices(state.host())
    if selector:
        vendor, dummy, device = selector.partition(":")
        rows = [d for d in rows if (not vendor or int(vendor, 16) == d["vendor"])
                and (not device or int(device, 16) == d["device"])]
    for d in rows:
        slot = d["slot"] if domain else d["slot"][5:]
        if machine and verbose:
            if numeric:
                fields = [("Class", "%04x" % d["class"]), ("Vendor", "%04x" % d["vendor"]),
                          ("Device", "%04x" % d["device"]), ("SVendor", "%04x" % d["svendor"]),
                          ("SDevice", "%04x" % d["sdevice"])]
            else:
                fields = [("Class", d["class_name"]), ("Vendor", d["vendor_name"]), ("Device", d["device_name"]),
                          ("SVendor", d.get("svendor_name", d["vendor_name"])),
                          ("SDevice", "Device %04x" % d["sdevice"])]
            if d["rev"]:
                fields.append(("Rev", "%02x" % d["rev"]))
            fields.append(("NUMANode", "0"))
            out.write("Slot:\t%s\n" % slot + "".join("%s:\t%s\n" % f for f in fields) + "\n")
        elif numeric:
            rev = " (rev %02x)" % d["rev"] if d["rev"] else ""
            out.write("%s %04x: %04x:%04x%s\n" % (slot, d["class"], d["vendor"], d["device"], rev))
        else:
            rev = " (rev %02x)" % d["rev"] if d["rev"] else ""
            out.write("%s %s: %s %s%s\n" % (slot, d["class_name"], d["vendor_name"], d["device_name"], rev))
    return 0


def dmidecode(argv: list, out=None) -> int:
    out = out or sys.stdout
    system = state.host()["system"]
    keywords = {
        "system-manufacturer": system["manufacturer"], "system-product-name": system["product"],
        "system-serial-number": system["serial"], "system-uuid": system["uuid"], "system-family": system["family"],
        "baseboard-manufacturer": system["manufacturer"], "baseboard-product-name": "BC83AMDA",
    }
    opts = dict(zip(argv[::2], argv[1::2]))
    if "-s" in opts:
        if opts["-s"] not in keywords:
            out.write("Invalid string keyword: %s\n" % opts["-s"])
            return 2
        out.write(keywords[opts["-s"]] + "\n")
        return 0
    wanted = opts.get("-t", "1,2")
    blocks = []
    if any(t in wanted.split(",") for t in ("1", "system")):
        blocks.append("Handle 0x0001, DMI type 1, 27 bytes\nSystem Information\n"
                      "\tManufacturer: %s\n\tProduct Name: %s\n\tVersion: Not Specified\n\tSerial Number: %s\n"
                      "\tUUID: %s\n\tWake-up Type: Power Switch\n\tSKU Number: Not Specified\n\tFamily: %s\n"
                      % (system["manufacturer"], system["product"], system["serial"], system["uuid"],
                         system["family"]))
    if any(t in wanted.split(",") for t in ("2", "baseboard")):
        blocks.append("Handle 0x0002, DMI type 2, 15 bytes\nBase Board Information\n"
                      "\tManufacturer: %s\n\tProduct Name: BC83AMDA\n\tVersion: V100\n\tSerial Number: %s\n"
                      "\tAsset Tag: Not Specified\n" % (system["manufacturer"], system["serial"][::-1]))
    out.write("# dmidecode 3.4\nGetting SMBIOS data from sysfs.\nSMBIOS 3.2.0 present.\n\n")
    out.write("\n".join(blocks) + "\n")
    return 0
