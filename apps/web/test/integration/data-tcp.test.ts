import { dataCases } from './data-cases'

dataCases('tcp')
