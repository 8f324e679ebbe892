import { XMLParser, XMLValidator } from 'fast-xml-parser';
export { XMLValidator };

/**
 * A small XML reader for manifests (SMIL .ism, Smooth .ismc, DASH MPD, TTML): attributes without a
 * prefix, every element an array (so one child and many children read the same way), no entity
 * expansion beyond the XML built-ins.
 */
export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | Array<XmlNode | string> | undefined;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
  removeNSPrefix: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  textNodeName: '#text',
});

export function parseXml(text: string, what: string): XmlNode {
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    throw new Error(`${what} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(text) as XmlNode;
}

/** Child elements by name. */
export function elements(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  if (!Array.isArray(value)) return [];
  // Elements with only text come back as strings: give them an object with their text.
  return value.map((v) => (typeof v === 'string' ? { '#text': v } : v));
}

export function element(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return elements(node, name)[0];
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}
